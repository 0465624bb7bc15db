"""One set of rules for a crawl's config: for every example crawl config of the repository — the
files in configs/, the YAML in docs/ and the README, and the configs the crawl's tests write —
`crawl.py --check` (the supervisor's pre-flight) accepts exactly what the run accepts, and refuses
with the same words. Both sides are the real `crawl_cli.main`; the run is stopped right after its
start (its crawling loop replaced by one that ends at once), so the comparison covers everything
the run checks before it fetches or reads a document."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.paths import CONFIGS, REPO

from tandem.common.typed_config import ConfigError
from tandem.crawl import crawl_cli
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.source_runner import SourceRunner
from tandem.crawl.web_runner import WebRunner

CRAWL_KEYS = {f.name for f in dataclasses.fields(CrawlConfig)}
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)
MODES = {"web": [], "sources": ["--no-web-crawl"]}


def _is_crawl_config(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and set(data) <= CRAWL_KEYS


def example_configs() -> dict[str, str]:
    """name → YAML text of every crawl config shipped in configs/ or shown in the docs."""
    found = {}
    for path in sorted(CONFIGS.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if _is_crawl_config(yaml.safe_load(text)):
            found[str(path.relative_to(REPO))] = text
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for number, block in enumerate(YAML_BLOCK.findall(page.read_text(encoding="utf-8"))):
            if _is_crawl_config(yaml.safe_load(block)):
                found[f"{page.relative_to(REPO)}#{number}"] = block
    return found


def verdict(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """("accepted", "") or ("refused"/"failed", the one line that says why)."""
    try:
        code = crawl_cli.main(argv)
    except ConfigError as exc:  # run_main turns it into `error: …`, exit 2
        return "refused", str(exc)
    err = capsys.readouterr().err.strip().splitlines()
    if code == 0:
        return "accepted", ""
    return "failed", err[-1].rpartition("failed: ")[2].removeprefix("error: ") if err else f"exit {code}"


@pytest.fixture
def started_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run goes through all of its start, then its crawl ends at once, the target "reached"."""
    for runner in (WebRunner, SourceRunner):
        monkeypatch.setattr(runner, "run", lambda *args: "target_reached")


def compare(config: Path, name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[str, str]]:
    seen = {}
    for mode, flags in MODES.items():
        argv = ["--config", str(config), "--output-dir", str(out / f"{name}-{mode}"), *flags]
        check = verdict(["--check", *argv], capsys)
        run = verdict(argv, capsys)
        assert check == run, f"{name} ({mode}): --check says {check}, the run says {run}"
        seen[mode] = run
    return seen


def test_every_shipped_and_documented_crawl_config(tmp_path, monkeypatch, capsys, started_only) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths in the examples resolve here, not in the repository
    configs = example_configs()
    assert {"configs/crawl_config.yaml", "configs/demo/crawl.yaml"} <= set(configs)
    assert any(name.startswith("docs/crawl-sources.md") for name in configs)
    outcomes = {}
    for name, text in configs.items():
        path = tmp_path / (re.sub(r"[^A-Za-z0-9]+", "_", name) + ".yaml")
        path.write_text(text, encoding="utf-8")
        outcomes[name] = compare(path, path.stem, tmp_path / "out", capsys)
    # Both answers seen, so the comparison is not between two refusals only.
    assert outcomes["configs/crawl_config.yaml"]["web"] == ("accepted", "")
    assert outcomes["configs/demo/crawl.yaml"]["web"][0] == "refused"  # its seeds come from --seeds


def test_the_configs_the_crawl_tests_write(tmp_path, write_config, monkeypatch, capsys, started_only) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("日本語の文章です。" * 20, encoding="utf-8")
    (folder / "b.jsonl").write_text('{"text": "日本語"}\n', encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\0")
    cases = {
        "no seeds, no sources": ({}, {"web": "refused", "sources": "refused"}),
        "seeds": ({"seeds": ["http://127.0.0.1:9/"]}, {"web": "accepted", "sources": "refused"}),
        "seeds out of scope": ({"seeds": ["http://127.0.0.1:9/"], "allow_private_networks": False},
                               {"web": "refused", "sources": "refused"}),
        "local_sources": ({"local_sources": [str(folder)]}, {"web": "refused", "sources": "accepted"}),
        "sources folder": ({"sources": [str(folder)]}, {"sources": "accepted"}),
        "sources glob": ({"sources": [f"{folder}/*.jsonl"]}, {"sources": "accepted"}),
        "glob matching nothing": ({"sources": [f"{folder}/*.parquet"]}, {"sources": "refused"}),
        "missing folder": ({"sources": [str(tmp_path / "nowhere")]}, {"sources": "refused"}),
        "unknown kind": ({"sources": [str(folder / "notes.bin")]}, {"sources": "refused"}),
        "one https file": ({"sources": ["https://127.0.0.1:9/crawl.warc.gz"]}, {"sources": "accepted"}),
        "mapping": ({"sources": [{"path": str(folder / "b.jsonl"), "text_field": "text"}]}, {"sources": "accepted"}),
        "missing ng words": ({"sources": [str(folder)], "quality": {"ngwords_file": "nowhere.txt"}},
                             {"sources": "refused"}),
    }
    for name, (overrides, expected) in cases.items():
        seen = compare(write_config(**overrides), re.sub(r"\W+", "_", name), tmp_path / "out", capsys)
        assert {mode: seen[mode][0] for mode in expected} == expected, (name, seen)
