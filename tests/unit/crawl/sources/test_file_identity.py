"""A resume position belongs to one file: same, grown with the same head, or another file."""

from __future__ import annotations

import os
from pathlib import Path

from tandem.crawl.sources.file_identity import HEAD_BYTES, change_since, identity_of


def test_an_untouched_file_is_the_same_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    path.write_bytes(b"x" * 100)
    saved = identity_of(path)
    saved_with_other_head = [saved[0], saved[1], "not read"]
    assert change_since(saved_with_other_head, path) == ("same", saved_with_other_head)  # a stat only


def test_a_completed_download_has_grown_with_the_same_head(tmp_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    whole = os.urandom(3 * HEAD_BYTES)
    for cut in (1000, 2 * HEAD_BYTES):  # shorter than a head, and longer
        path.write_bytes(whole[:cut])
        saved = identity_of(path)
        path.write_bytes(whole)
        change, now = change_since(saved, path)
        assert change == "grown"
        assert now == identity_of(path)


def test_another_file_under_the_name_or_a_shorter_one_has_changed(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"first file\n" * 100)
    saved = identity_of(path)
    path.write_bytes(b"other file\n" * 200)
    assert change_since(saved, path)[0] == "changed"
    path.write_bytes(b"first file\n" * 50)
    assert change_since(saved, path)[0] == "changed"


def test_a_rewrite_with_the_same_bytes_is_the_same(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"line\n" * 10)
    saved = identity_of(path)
    os.utime(path, ns=(saved_time := int(saved[1]) + 10**9, saved_time))
    assert change_since(saved, path)[0] == "same"
