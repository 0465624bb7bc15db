"""WARC files (`.warc`, `.warc.gz`): HTML responses, and text conversions as in WET files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tandem.crawl.sources.document import LocalDocument


def warc_documents(path: Path, uri: str) -> Iterator[LocalDocument]:
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            target = record.rec_headers.get_header("WARC-Target-URI") or ""
            html = text = content_type = None
            if record.rec_type == "response" and record.http_headers is not None:
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" in content_type.lower():
                    html = record.content_stream().read()
            elif record.rec_type == "conversion":
                text = record.content_stream().read().decode("utf-8", errors="replace")
            # The offset is known only once the record is read (warcio reads to its end).
            key = f"{uri}#offset={records.get_record_offset()}"
            if html is not None or text is not None:
                yield LocalDocument(key, target or key, "", text=text, html=html, content_type=content_type)
