"""Each kind of input read from real files (written by warcio, pyarrow, gzip): what comes out, and
that reading on from any saved position gives exactly the documents after it."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tandem.crawl.sources.inputs import InputFile, SourceError, detect_kind, resolve_inputs
from tandem.crawl.sources.reading import read_input
from tandem.crawl.sources.source_config import SourceSettings

PAGES = [f"<html><body><p>ページ{i}の本文です。</p></body></html>" for i in range(6)]


def _warc(path: Path, gzipped: bool = True) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzipped)
        writer.write_record(writer.create_warc_record("urn:info", "warcinfo", payload=io.BytesIO(b"x: y\r\n")))
        for i, page in enumerate(PAGES):
            content_type = "image/png" if i == 2 else "text/html; charset=utf-8"
            status = "404 Not Found" if i == 4 else "200 OK"
            http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://ja.example/{i}", "response",
                                                          payload=io.BytesIO(page.encode()), http_headers=http))
            writer.write_record(writer.create_warc_record(f"https://ja.example/{i}", "request",
                                                          payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))


def _wet(path: Path) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i in range(5):
            headers = {"WARC-Identified-Content-Language": "jpn,eng" if i % 2 else "eng"}
            writer.write_record(writer.create_warc_record(
                f"https://ja.example/{i}", "conversion", payload=io.BytesIO(f"本文{i}".encode()),
                warc_content_type="text/plain", warc_headers_dict=headers))


def _read_all(item: InputFile, source: SourceSettings, start: Any = None) -> list[tuple[Any, Any]]:
    return [(doc, position) for doc, position in read_input(item, source, start)]


def _check_resume_from_every_position(item: InputFile, source: SourceSettings) -> list[Any]:
    everything = _read_all(item, source)
    keys = [doc.key for doc, _ in everything]
    for index, (_, position) in enumerate(everything):
        rest = [doc.key for doc, _ in _read_all(item, source, json.loads(json.dumps(position)))]
        assert rest == keys[index + 1 :], f"resuming after document {index}"
    return [doc for doc, _ in everything]


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_html_responses_only_and_resume(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("a.warc.gz" if gzipped else "a.warc")
    _warc(path, gzipped)
    (item,) = resolve_inputs([SourceSettings(path=str(path))])
    assert item.kind == "warc"
    docs = _check_resume_from_every_position(item, SourceSettings(path=str(path)))
    assert [d.url for d in docs] == [f"https://ja.example/{i}" for i in (0, 1, 3, 5)]
    assert docs[0].html == PAGES[0].encode() and docs[0].content_type.startswith("text/html")


def test_wet_conversions_carry_identified_languages(tmp_path: Path) -> None:
    path = tmp_path / "CC-MAIN-x.warc.wet.gz"
    _wet(path)
    (item,) = resolve_inputs([SourceSettings(path=str(path))])
    assert item.kind == "wet"
    docs = _check_resume_from_every_position(item, SourceSettings(path=str(path)))
    assert [d.text for d in docs] == [f"本文{i}" for i in range(5)]
    assert [d.languages for d in docs] == ["eng", "jpn,eng", "eng", "jpn,eng", "eng"]


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz"])
def test_jsonl_named_fields_bad_lines_and_resume(tmp_path: Path, name: str) -> None:
    lines = [json.dumps({"body": f"文{i}", "link": f"https://x/{i}", "lang": ["ja"]}, ensure_ascii=False)
             for i in range(4)]
    lines[2:2] = ["", "{broken", json.dumps({"other": 1})]
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    source = SourceSettings(path=str(path), text_field="body", url_field="link", language_field="lang")
    (item,) = resolve_inputs([source])
    docs = _check_resume_from_every_position(item, source)
    assert [d.text for d in docs if d.error is None] == [f"文{i}" for i in range(4)]
    assert [d.error for d in docs].count("bad_jsonl_line") == 2
    assert docs[0].url == "https://x/0" and docs[0].languages == "ja"
    assert docs[2].key.endswith("#line=4")  # the blank third line is skipped, not numbered away


def test_parquet_row_groups_and_resume(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "part-0.parquet"
    table = pa.table({"content": [f"行{i}" for i in range(23)], "url": [f"https://p/{i}" for i in range(23)]})
    pq.write_table(table, path, row_group_size=5)
    source = SourceSettings(path=str(path), text_field="content")
    (item,) = resolve_inputs([source])
    docs = _check_resume_from_every_position(item, source)
    assert [d.text for d in docs] == [f"行{i}" for i in range(23)]
    assert docs[7].url == "https://p/7" and docs[7].key.endswith("#row=7")


def test_parquet_without_the_text_column_is_named(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"content": ["x"]}), path)
    (item,) = resolve_inputs([SourceSettings(path=str(path))])
    wanted = "^text_field: .*p.parquet has no column 'text'; columns found: content$"
    with pytest.raises(SourceError, match=wanted) as caught:
        _read_all(item, SourceSettings(path=str(path)))
    assert caught.value.usage  # the config's mistake: exit 2


def test_txt_and_html_are_one_document_each(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("本文", encoding="utf-8")
    (tmp_path / "b.html").write_bytes(PAGES[0].encode())
    (tmp_path / "notes.md").write_text("skipped", encoding="utf-8")
    items = resolve_inputs([SourceSettings(path=str(tmp_path))])
    assert [(Path(i.uri).name, i.kind) for i in items] == [("a.txt", "txt"), ("b.html", "html")]
    assert _read_all(items[0], SourceSettings(path="x"), 1) == []  # done: nothing more


@pytest.mark.parametrize(("name", "kind"), [
    ("CC-MAIN-2024-00000.warc.gz", "warc"), ("x.warc.wet.gz", "wet"), ("x.wet", "wet"), ("d.jsonl.zst", "jsonl"),
    ("d.json.gz", "jsonl"), ("t.parquet", "parquet"), ("a.HTM", "html"), ("a.txt.gz", None), ("x.png", None),
])
def test_kind_by_name(name: str, kind: str | None) -> None:
    assert detect_kind(name) == kind


def test_inputs_are_sorted_named_once_and_globbed(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    items = resolve_inputs([SourceSettings(path=str(tmp_path)), SourceSettings(path=str(tmp_path / "*.txt"))])
    assert [Path(i.uri).name for i in items] == ["a.txt", "b.txt", "c.txt"]
    with pytest.raises(SourceError, match="does not exist"):
        resolve_inputs([SourceSettings(path=str(tmp_path / "missing"))])
    with pytest.raises(SourceError, match="matches no file"):
        resolve_inputs([SourceSettings(path=str(tmp_path / "*.warc"))])


def test_source_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="config: and split:"):
        SourceSettings(path="hf://datasets/owner/name")
    with pytest.raises(ValueError, match="apply only to hf://datasets"):
        SourceSettings(path="data/x.parquet", config="ja", split="train")
    assert SourceSettings(path="hf://datasets/owner/name/ja/*.parquet").is_remote
