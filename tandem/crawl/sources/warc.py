"""WARC and WET files (`.warc[.gz]`, `.warc.wet[.gz]`), read with FastWARC.

HTML responses become pages to decode and extract; `conversion` records (the text of WET files)
become plain text. Common Crawl's `WARC-Identified-Content-Language` travels with each document
for the pre-filter. FastWARC reads gzip members itself and reports each record's offset in the
file, which is the resume position: a resumed run seeks to the last finished record's member and
goes on after it. A `.warc.gz` cut short (a download that stopped) is InputDamaged at its end
(`wholeness`), never read as if it were whole. bench/bench_sources.py measures it against warcio on the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.opening import TellingReader
from tandem.crawl.sources.read_limits import RECORD_TOO_LONG

try:  # a Rust panic inside FastWARC (a stream it cannot handle) surfaces as this BaseException
    from pyo3_runtime import PanicException  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - the module appears once a pyo3 extension is loaded
    PanicException = Exception

HTML_TYPES = ("text/html", "application/xhtml+xml")
LANGUAGE_HEADER = "WARC-Identified-Content-Language"


def resume_offset(start: int | None) -> int:
    """Where to open the file for a saved position: the last finished record's own offset, a
    record (gzip member) boundary."""
    return max(int(start or 0) - 1, 0)


def warc_documents(stream: IO[bytes], uri: str, start: int | None,
                   max_record_bytes: int = 4_000_000) -> Iterator[tuple[LocalDocument, int]]:
    """(document, position after it) from a stream opened at `resume_offset(start)`. A position
    p means: every record starting before p is done."""
    done_before = int(start or 0)
    first = resume_offset(start)
    reader = TellingReader(stream, first, gzip=uri.lower().endswith(".gz"))
    records = ArchiveIterator(
        reader,
        record_types=WarcRecordType.response | WarcRecordType.conversion | WarcRecordType.resource,
        parse_http=True,
    )
    # Each document is held until the next record begins: FastWARC hands out the half record at a
    # cut as if it were whole, and it must not be offered (nor the position moved past it).
    held: tuple[LocalDocument, int] | None = None
    try:
        for record in records:
            offset = record.stream_pos
            reader.member_starts_at(offset)
            if held is not None:
                yield held
                held = None
            if offset < done_before:
                continue
            doc = _document(record, uri, offset, max_record_bytes)
            if doc is not None:
                held = doc, offset + 1
    except (Exception, PanicException):
        reader.check_whole()  # a cut file makes FastWARC stumble on a half record: say the cause
        raise
    reader.check_whole()  # FastWARC stops quietly at a cut inside a gzip member
    if held is not None:
        yield held


def _document(record: object, uri: str, offset: int, max_record_bytes: int) -> LocalDocument | None:
    headers = record.headers  # type: ignore[attr-defined]
    target = headers.get("WARC-Target-URI") or ""
    key = f"{uri}#offset={offset}"
    if record.content_length > max_record_bytes:  # type: ignore[attr-defined]
        return LocalDocument(key, target or key, "", error=RECORD_TOO_LONG)  # its body is never read
    languages = headers.get(LANGUAGE_HEADER)
    if record.record_type == WarcRecordType.conversion:  # type: ignore[attr-defined]
        text = record.reader.read().decode("utf-8", errors="replace")  # type: ignore[attr-defined]
        return LocalDocument(key, target or key, "", text=text, languages=languages)
    if record.is_http:  # type: ignore[attr-defined]
        http = record.http_headers  # type: ignore[attr-defined]
        status = getattr(http, "status_code", 200)
        content_type = http.get("Content-Type") or ""
        if status != 200 or not content_type.lower().startswith(HTML_TYPES):
            return None
    else:  # a `resource` record: the payload itself, typed by the WARC header
        content_type = headers.get("Content-Type") or ""
        if not content_type.lower().startswith(HTML_TYPES):
            return None
    body = record.reader.read()  # type: ignore[attr-defined]
    return LocalDocument(key, target or key, "", html=body, content_type=content_type, languages=languages)
