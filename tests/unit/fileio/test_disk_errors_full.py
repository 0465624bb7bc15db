from __future__ import annotations

import errno
from pathlib import Path

from tandem.fileio.disk_errors import NoSpaceLeft, full_disk_path


def raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        try:
            if cause is not None:
                raise cause
        finally:
            raise exc
    except BaseException as caught:
        return caught


def test_enospc_anywhere_in_the_chain_names_the_file(tmp_path):
    error = raised(RuntimeError("save failed"), OSError(errno.ENOSPC, "No space left on device", "/x/out/a.bin"))
    assert full_disk_path(error, tmp_path) == Path("/x/out/a.bin")
    assert full_disk_path(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path) == tmp_path


def test_safetensors_says_storage_full_in_words(tmp_path):
    error = Exception('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space" })')
    assert full_disk_path(error, tmp_path) == tmp_path


def test_torchs_writer_error_counts_only_when_the_disk_is_really_nearly_full(tmp_path, monkeypatch):
    error = RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 133248 vs 133136")
    monkeypatch.setattr("tandem.fileio.disk_errors.free_bytes", lambda path: 4096)
    assert full_disk_path(error, tmp_path) == tmp_path
    monkeypatch.setattr("tandem.fileio.disk_errors.free_bytes", lambda path: 50 * 2**30)
    assert full_disk_path(error, tmp_path) is None


def test_other_failures_are_not_a_full_disk(tmp_path):
    assert full_disk_path(ValueError("shape mismatch"), tmp_path) is None
    assert full_disk_path(PermissionError(errno.EACCES, "Permission denied", "/x"), tmp_path) is None


def test_no_space_left_reads_as_one_line():
    error = NoSpaceLeft(Path("/data/out"), "saving checkpoint-6")
    assert str(error) == "no space left on /data/out (saving checkpoint-6)"
