"""`invoke logs` through its tail reader: a line of megabytes is a line, shown whole."""

from __future__ import annotations

import io
import json

from tandem.supervisor.run_view import show_logs


def test_a_3_mb_line_is_shown_whole_and_the_lines_after_it_too(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    log = tmp_path / "train.log"
    log.write_text("first\n" + "A" * 3_000_000 + "\nthird\nfourth\n")
    (runs / "20260101_000000.json").write_text(json.dumps(
        {"run_id": "20260101_000000", "status": "succeeded", "processes": {"train": {"log_file": str(log)}}}))
    out = io.StringIO()
    assert show_logs(tmp_path, False, None, out=out) == 0
    assert [len(line) for line in out.getvalue().splitlines()] == [13, 8 + 3_000_000, 13, 14]
