"""Reading one input file of any kind: (document, position after it) pairs from a position.

`.txt` is one document a file, `.html`/`.htm` one page a file (decoded and extracted like a
fetched page); JSONL and Parquet are in `records`, WARC and WET in `warc`. A position is what
the resume cursor stores for the file: whatever the reader needs to go on after the documents
already handled (an offset, a row number, a line number and offset; 1 for a one-document file).
A record longer than `max_record_bytes` is never held whole: it comes as a document with the
error `record_too_long` (dropped and counted under that reason), and the reading goes on after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.inputs import InputFile
from tandem.crawl.sources.opening import DEFAULT_LIMITS, open_input
from tandem.crawl.sources.read_limits import RECORD_TOO_LONG, ReadLimits
from tandem.crawl.sources.records import jsonl_documents, jsonl_offset, parquet_documents
from tandem.crawl.sources.source_config import SourceSettings
from tandem.crawl.sources.warc import resume_offset, warc_documents


def read_input(
    item: InputFile, source: SourceSettings, start: Any, limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[tuple[LocalDocument, Any]]:
    if item.kind in ("txt", "html"):
        if start:
            return
        with open_input(item, source, limits=limits) as stream:
            body = stream.read(limits.max_record_bytes + 1)
        if len(body) > limits.max_record_bytes:
            yield LocalDocument(item.uri, item.uri, "", error=RECORD_TOO_LONG), 1
            return
        title = Path(item.uri.rsplit("/", 1)[-1]).stem
        if item.kind == "txt":
            yield LocalDocument(item.uri, item.uri, title, text=body.decode("utf-8", errors="replace")), 1
        else:
            yield LocalDocument(item.uri, item.uri, title, html=body), 1
    elif item.kind in ("warc", "wet"):
        with open_input(item, source, seek_to=resume_offset(start), limits=limits) as stream:
            yield from warc_documents(stream, item.uri, start, limits.max_record_bytes)
    elif item.kind == "jsonl":
        with open_input(item, source, decompress=True, seek_to=jsonl_offset(start), limits=limits) as stream:
            yield from jsonl_documents(stream, item.uri, source, start, limits.max_record_bytes)
    elif item.kind == "parquet":
        with open_input(item, source, limits=limits, random_access=True) as stream:
            yield from parquet_documents(stream, item.uri, source, start)
    else:
        raise ValueError(f"unknown kind of input {item.kind!r}")
