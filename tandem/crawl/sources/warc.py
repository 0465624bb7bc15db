"""WARC and WET files (`.warc[.gz]`, `.warc.wet[.gz]`), read with FastWARC.

HTML responses become pages to decode and extract; `conversion` records (the text of WET files)
become plain text. Common Crawl's `WARC-Identified-Content-Language` travels with each document
for the pre-filter. FastWARC reads gzip members itself and reports each record's offset in the
file, which is the resume position: a resumed run seeks to the last finished record's member and
goes on after it. bench/bench_sources.py measures it against warcio on the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.opening import TellingReader

HTML_TYPES = ("text/html", "application/xhtml+xml")
LANGUAGE_HEADER = "WARC-Identified-Content-Language"


def resume_offset(start: int | None) -> int:
    """Where to open the file for a saved position: the last finished record's own offset, a
    record (gzip member) boundary."""
    return max(int(start or 0) - 1, 0)


def warc_documents(stream: IO[bytes], uri: str, start: int | None) -> Iterator[tuple[LocalDocument, int]]:
    """(document, position after it) from a stream opened at `resume_offset(start)`. A position
    p means: every record starting before p is done."""
    done_before = int(start or 0)
    first = resume_offset(start)
    records = ArchiveIterator(
        TellingReader(stream, first),
        record_types=WarcRecordType.response | WarcRecordType.conversion | WarcRecordType.resource,
        parse_http=True,
    )
    for record in records:
        offset = record.stream_pos
        if offset < done_before:
            continue
        doc = _document(record, uri, offset)
        if doc is not None:
            yield doc, offset + 1


def _document(record: object, uri: str, offset: int) -> LocalDocument | None:
    headers = record.headers  # type: ignore[attr-defined]
    target = headers.get("WARC-Target-URI") or ""
    key = f"{uri}#offset={offset}"
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
