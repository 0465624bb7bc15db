"""Record datasets: JSONL (one object a line, optionally compressed) and Parquet, each with a
named text field (and optional url, title and language fields).

Parquet is read one row group at a time (pyarrow over the fsspec stream, which fetches only the
byte ranges it needs), so a remote file is streamed, never downloaded whole. Resume positions:
JSONL (line number, byte offset) — an uncompressed file is seeked to the offset; Parquet the row
number — the row groups before it are not read at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.inputs import SourceError
from tandem.crawl.sources.read_limits import RECORD_TOO_LONG
from tandem.crawl.sources.source_config import SourceSettings

BAD_LINE = "bad_jsonl_line"
BAD_ROW = "bad_record"


def jsonl_offset(start: list[int] | None) -> int:
    return int((start or [0, 0])[1])


def jsonl_documents(
    stream: IO[bytes], uri: str, source: SourceSettings, start: list[int] | None,
    max_record_bytes: int = 4_000_000,
) -> Iterator[tuple[LocalDocument, list[int]]]:
    """(document, [lines read, bytes read]) for each non-blank line, from a stream opened at the
    saved byte offset (`jsonl_offset`). A line longer than `max_record_bytes` is read past in
    pieces of that size, never held whole, and comes as a `record_too_long` document."""
    line_number, offset = (start or [0, 0])[:2]
    while raw := stream.readline(max_record_bytes + 1):
        line_number += 1
        offset += len(raw)
        key = f"{uri}#line={line_number}"
        if len(raw) > max_record_bytes and not raw.endswith(b"\n"):
            offset += _read_past_line(stream, max_record_bytes)
            yield LocalDocument(key, key, "", error=RECORD_TOO_LONG), [line_number, offset]
            continue
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            yield LocalDocument(key, key, "", error=BAD_LINE), [line_number, offset]
            continue
        yield _document(obj, key, source, BAD_LINE), [line_number, offset]


def _read_past_line(stream: IO[bytes], piece: int) -> int:
    """Read to the end of the current line, a piece at a time; the bytes read."""
    skipped = 0
    while chunk := stream.readline(piece):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def parquet_documents(
    stream: IO[bytes], uri: str, source: SourceSettings, start: int | None
) -> Iterator[tuple[LocalDocument, int]]:
    """(document, rows read) for each row, one row group in memory at a time."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(stream)
    names = set(parquet.schema_arrow.names)
    if source.text_field not in names:
        raise SourceError(f"text_field: {uri} has no column {source.text_field!r}; columns found: "
                          f"{', '.join(sorted(names)) or 'none'}", usage=True)
    columns = [c for c in (source.text_field, source.url_field, source.title_field, source.language_field)
               if c and c in names]
    row = 0
    first = int(start or 0)
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        if row + size <= first:
            row += size
            continue
        table = parquet.read_row_group(group, columns=list(dict.fromkeys(columns)))
        for index, obj in enumerate(table.to_pylist()):
            if row + index < first:
                continue
            key = f"{uri}#row={row + index}"
            yield _document(obj, key, source, BAD_ROW), row + index + 1
        row += size


def _document(obj: Any, key: str, source: SourceSettings, bad: str) -> LocalDocument:
    text = obj.get(source.text_field) if isinstance(obj, Mapping) else None
    if not isinstance(text, str):
        return LocalDocument(key, key, "", error=bad)
    url = obj.get(source.url_field) or key
    title = obj.get(source.title_field) or ""
    languages = obj.get(source.language_field) if source.language_field else None
    if isinstance(languages, (list, tuple)):
        languages = ",".join(map(str, languages))
    return LocalDocument(key, str(url), str(title), text=text,
                         languages=str(languages) if languages else None)
