"""The end of a log: an attempt's own lines, and the line that says why it failed."""

from __future__ import annotations

from tandem.fileio.log_tail import error_line, tail_lines


def test_a_tail_from_an_offset_holds_only_the_lines_written_after_it(tmp_path):
    log = tmp_path / "crawl.log"
    log.write_text("crash number 1\nTraceback: first\n===== tandem: restart 1 of crawl =====\n")
    second_attempt = log.stat().st_size
    with open(log, "a") as handle:
        handle.write("crash number 2\n")
    assert tail_lines(log, 20, since=second_attempt) == ["crash number 2"]
    assert tail_lines(log, 20)[0] == "crash number 1"


def test_the_error_line_is_the_last_that_says_so_else_the_last_line():
    traceback = ["step 3/10", "Traceback (most recent call last):", '  File "train.py", line 3, in <module>',
                 "RuntimeError: CUDA out of memory", "===== tandem 2026: restart 1 of train ====="]
    assert error_line(traceback) == "RuntimeError: CUDA out of memory"
    assert error_line(["loading", "nothing to do here"]) == "nothing to do here"
    assert error_line(["===== tandem 2026: train started ====="]) is None
