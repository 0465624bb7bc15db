"""The file helpers against what another program may put at a path: a FIFO, a folder, a huge
file; and the modes and messages of what the kit writes."""

from __future__ import annotations

import errno
import os
import stat
import time

import pytest

from tandem.contracts.child_protocol import StatusFileRefused, read_status_file
from tandem.fileio.atomic_files import atomic_write_json
from tandem.fileio.disk_errors import describe_os_error, naming
from tandem.fileio.log_tail import tail_lines
from tandem.fileio.safe_read import NotReadable, read_regular_file


def test_atomic_writes_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_an_error_while_writing_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", lambda fd: full(fd, b""))
    with pytest.raises(OSError) as caught:
        atomic_write_json(tmp_path / "record.json", {"x": 1})
    assert describe_os_error(caught.value) == f"no space left on {tmp_path / 'record.json'}"
    assert list(tmp_path.iterdir()) == []


def test_naming_keeps_a_name_that_is_already_there():
    with pytest.raises(FileNotFoundError) as caught, naming("other"):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "mine")
    assert caught.value.filename == "mine"
    assert describe_os_error(caught.value) == "no such file or directory: mine"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "status.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotReadable, match="not a regular file"):
        read_regular_file(fifo, 1000)
    with pytest.raises(StatusFileRefused, match="FIFO"):
        read_status_file(fifo)
    assert tail_lines(fifo, 5) == []
    assert time.monotonic() - started < 1


def test_a_folder_and_a_large_file_are_refused_with_the_reason(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(StatusFileRefused, match="a folder"):
        read_status_file(tmp_path / "folder")
    big = tmp_path / "big.json"
    big.write_text('{"done": 1, "message": "' + "m" * 300_000 + '"}')
    with pytest.raises(StatusFileRefused, match="more than the 262144"):
        read_status_file(big)
    assert read_regular_file(big, 400_000).startswith(b'{"done": 1')


def test_missing_and_half_written_status_files_are_no_progress_yet(tmp_path):
    assert read_status_file(tmp_path / "none.json") is None
    (tmp_path / "half.json").write_text('{"done": 1')
    assert read_status_file(tmp_path / "half.json") is None


def test_a_status_message_is_one_short_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"done": 2, "unit": "' + "u" * 100 + '", "message": "' + "行" * 1000 + '\\nnext"}')
    progress = read_status_file(path)
    assert progress is not None
    assert len(progress.message) == 300 and progress.message.endswith("…") and "\n" not in progress.message
    assert len(progress.unit) == 40
