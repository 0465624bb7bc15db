"""Opening an input file as a byte stream: local files directly, remote ones through fsspec,
always streamed (read as they are consumed, never downloaded whole first)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tandem.crawl.sources.inputs import InputFile, SourceError
from tandem.crawl.sources.source_config import SourceSettings

_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2", ".xz": "xz"}
_SKIP_CHUNK = 1 << 20


@contextmanager
def open_input(item: InputFile, source: SourceSettings, decompress: bool = False) -> Iterator[IO[bytes]]:
    """A binary stream of the file. `decompress` undoes .gz/.zst/.bz2/.xz by the name (WARC
    readers leave it: they read gzip members themselves, and seek by member offsets)."""
    suffix = next((s for s in _COMPRESSION if item.uri.lower().endswith(s)), None)
    compression = _COMPRESSION[suffix] if decompress and suffix else None
    try:
        if item.local_path is not None and compression is None:
            stream: Any = item.local_path.open("rb")
        else:
            import fsspec

            options = source.storage_options if item.local_path is None else {}
            stream = fsspec.open(item.uri, "rb", compression=compression, **options).open()
    except FileNotFoundError:
        raise SourceError(f"{item.uri}: no longer exists", usage=False) from None
    except ImportError as exc:
        raise SourceError(f"{item.uri}: {exc}") from None
    try:
        yield stream
    finally:
        stream.close()


def skip_to(stream: IO[bytes], offset: int) -> None:
    """Move a fresh stream to `offset`: by seeking where the stream allows it, else by reading."""
    if offset <= 0:
        return
    try:
        if stream.seekable():
            stream.seek(offset)
            return
    except (OSError, ValueError):
        pass
    left = offset
    while left > 0:
        chunk = stream.read(min(left, _SKIP_CHUNK))
        if not chunk:
            raise SourceError("file is shorter than the saved resume position", usage=False)
        left -= len(chunk)


class TellingReader(io.RawIOBase):
    """A stream that knows its position even when the stream below cannot say (FastWARC asks)."""

    def __init__(self, stream: IO[bytes], position: int) -> None:
        super().__init__()
        self._stream = stream
        self._position = position

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._position += size
        return size

    def tell(self) -> int:
        return self._position
