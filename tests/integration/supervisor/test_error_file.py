"""The child's error file (docs/child-protocol.md): a kit script that dies of an exception
leaves its type, message and traceback in `$TANDEM_ERROR_FILE`; the record and the report quote
them. A program that writes none (the stub child, yours) is quoted from its log's last lines."""

from __future__ import annotations

import yaml
from support.paths import STUB_CHILD

# A child written like the kit's scripts: `main` run by run_main; its second attempt dies too.
CRASHING_CHILD = '''
from tandem.common.script_main import run_main

def main() -> int:
    print("loading the shards", flush=True)
    raise LookupError("no shard named data/x.jsonl")

run_main(main)
'''


def test_an_uncaught_exception_is_quoted_from_the_error_file(workdir):
    script = workdir.root / "crashing.py"
    script.write_text(CRASHING_CHILD)
    (workdir.root / "parallel.yaml").write_text(yaml.safe_dump({
        "processes": {"train": {"command": ["{python}", str(script)]},
                      "crawl": {"command": ["{python}", str(STUB_CHILD), "--lines", "2", "--exit", "3"]}},
        "restart": {"max_restarts": 1, "backoff_s": 0.1, "backoff_max_s": 0.1, "min_uptime_s": 5},
        "monitor": {"enabled": False}, "notify": {"enabled": False},
        "report": {"enabled": True, "plots": False}}))
    result = workdir.run()
    assert result.returncode == 1, result.stderr
    record = workdir.record()
    train, crawl = record["processes"]["train"], record["processes"]["crawl"]
    for exception in (train["error"]["exception"], *(a["exception"] for a in train["attempts"])):
        assert exception["type"] == "LookupError"
        assert exception["message"] == "no shard named data/x.jsonl"
        assert 'raise LookupError("no shard named data/x.jsonl")' in exception["traceback"]
    assert "exception" not in crawl["error"]  # the stub writes no error file: its log tail stands
    assert crawl["error"]["log_tail"]
    assert "it raised LookupError: no shard named data/x.jsonl" in result.stdout + result.stderr
    report = (workdir.root / record["report"]).read_text()
    assert "it raised LookupError: no shard named data/x.jsonl (its error file):" in report
    assert 'raise LookupError("no shard named data/x.jsonl")' in report
