"""The child's error file, both sides: what a dying script writes, and how the supervisor reads
what may be anything (missing, half-written, foreign, a FIFO) without raising or blocking."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tandem.common.script_main import run_main
from tandem.contracts.child_protocol import (
    ENV_ERROR_FILE,
    MAX_ERROR_MESSAGE_CHARS,
    MAX_TRACEBACK_CHARS,
    ChildError,
    read_error_file,
)


def _fail() -> int:
    raise ValueError("a bad value " + "x" * 50_000)


def test_run_main_records_the_exception_then_lets_it_through(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_ERROR_FILE, str(tmp_path / "train.error.json"))
    with pytest.raises(ValueError):
        run_main(_fail)
    error = read_error_file(tmp_path / "train.error.json")
    assert error is not None and error.type == "ValueError" and error.message.startswith("a bad value")
    assert len(error.message) <= MAX_ERROR_MESSAGE_CHARS
    assert len(error.traceback) <= MAX_TRACEBACK_CHARS and error.traceback.rstrip().endswith("…")
    assert "in _fail" in error.traceback and error.at


def test_a_config_error_or_a_script_run_by_hand_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(ENV_ERROR_FILE, raising=False)
    with pytest.raises(ValueError):
        run_main(_fail)
    assert list(tmp_path.iterdir()) == []


def test_a_class_outside_the_builtins_is_named_with_its_module() -> None:
    class ShardMissing(Exception):
        pass

    assert ChildError.from_exception(ShardMissing("x")).type == f"{__name__}.{ShardMissing.__qualname__}"


@pytest.mark.parametrize("content", [b"", b"{\"type\": ", b"[1, 2]", b"{\"message\": \"no type\"}", b"\xff\xfe"])
def test_what_is_not_an_error_file_reads_as_none(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "e.json").write_bytes(content)
    assert read_error_file(tmp_path / "e.json") is None
    assert read_error_file(tmp_path / "missing.json") is None


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_at_the_path_is_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "e.json")
    assert read_error_file(tmp_path / "e.json") is None


def test_a_foreign_writer_s_file_is_cut_to_size(tmp_path: Path) -> None:
    (tmp_path / "e.json").write_text(json.dumps({"type": "Boom", "message": "m" * 10_000, "traceback": "t" * 10**5}))
    error = read_error_file(tmp_path / "e.json")
    assert error is not None and len(error.traceback) == MAX_TRACEBACK_CHARS and error.headline.startswith("Boom: m")
