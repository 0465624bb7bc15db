"""Opening an input file as a byte stream: local files directly, remote ones through fsspec,
streamed (read as they are consumed, never downloaded whole first; only a Parquet file from a
server without byte ranges goes through a temporary file), each http(s) read with a deadline.
A compressed file is decompressed here, and one cut short says so (`wholeness`)."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tandem.crawl.sources.inputs import InputFile, SourceError
from tandem.crawl.sources.read_limits import ReadLimits
from tandem.crawl.sources.source_config import SourceSettings
from tandem.crawl.sources.wholeness import CountingReader, GzipTail, WholeOrSaid

_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2", ".xz": "xz"}
_SKIP_CHUNK = 1 << 20
DEFAULT_LIMITS = ReadLimits()


@contextmanager
def open_input(
    item: InputFile, source: SourceSettings, decompress: bool = False, seek_to: int | None = None,
    limits: ReadLimits = DEFAULT_LIMITS, random_access: bool = False,
) -> Iterator[IO[bytes]]:
    """A binary stream of the file. `decompress` undoes .gz/.zst/.bz2/.xz by the name (WARC
    readers leave it: they read gzip members themselves, and seek by member offsets).
    `seek_to`: a sequential reader's start (in the stream as read); the stream comes positioned
    there — by a seek, or a Range request, where the file or server allows it, else by reading.
    `random_access` (Parquet): a server that answers no byte ranges sends the whole file, which
    is then read from a temporary file on disk. Remote reads each have `limits`' deadline."""
    suffix = next((s for s in _COMPRESSION if item.uri.lower().endswith(s)), None)
    compression = _COMPRESSION[suffix] if decompress and suffix else None
    try:
        if item.local_path is not None:
            stream: Any = item.local_path.open("rb")
        else:
            stream = _open_remote(item, source, limits, compression is not None, seek_to, random_access)
            if seek_to and stream.tell() == seek_to:
                seek_to = None  # there already, by a Range request
        if compression is not None:
            stream = _decompressed(stream, compression)
    except FileNotFoundError:
        raise SourceError(f"{item.uri}: no longer exists", usage=False) from None
    except ImportError as exc:  # the config names a file this installation cannot read: exit 2
        raise SourceError(f"path: {item.uri}: {exc}") from None
    try:
        if seek_to:
            skip_to(stream, seek_to)
        yield stream
    finally:
        stream.close()


def _open_remote(item: InputFile, source: SourceSettings, limits: ReadLimits, compressed: bool,
                 seek_to: int | None, random_access: bool) -> Any:
    import fsspec

    options = dict(source.storage_options)
    if not _is_http(item):
        return fsspec.open(item.uri, "rb", **options).open()
    options = limits.http_options(options)
    sequential = seek_to is not None
    if sequential and seek_to and not compressed and _serves_ranges(item, options):
        ranged = fsspec.open(item.uri, "rb", **options).open()
        ranged.seek(seek_to)  # the next read is a Range request from there
        return io.BufferedReader(TellingReader(ranged, seek_to), _SKIP_CHUNK)
    if random_access and _serves_ranges(item, options):
        return fsspec.open(item.uri, "rb", **options).open()
    # A plain stream from the start (no Range requests the server would refuse), read through a
    # buffer of ours: fsspec's streaming file cannot seek, and its readline seeks.
    options["block_size"] = 0
    stream = io.BufferedReader(TellingReader(fsspec.open(item.uri, "rb", **options).open(), 0), _SKIP_CHUNK)
    return _spooled(stream) if random_access else stream


def _spooled(stream: IO[bytes]) -> IO[bytes]:
    """The whole of `stream` in a temporary file (on disk, gone when closed), for a reader that
    must seek in a file whose server sends it only whole."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    try:
        with stream:
            shutil.copyfileobj(stream, spool, _SKIP_CHUNK)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def _decompressed(raw: IO[bytes], compression: str) -> IO[bytes]:
    """The file's bytes decompressed, streaming; a file cut short is InputDamaged at its end."""
    from fsspec.compression import compr

    if compression not in compr:
        package = {"zstd": "zstandard"}.get(compression, compression)
        raise ImportError(f"reading {compression} needs the Python package {package} (pip install {package})")
    counted = CountingReader(raw)
    return io.BufferedReader(WholeOrSaid(compr[compression](counted, mode="rb"), counted), _SKIP_CHUNK)


def _is_http(item: InputFile) -> bool:
    return item.uri.startswith(("http://", "https://"))


def _serves_ranges(item: InputFile, options: dict[str, Any]) -> bool:
    """Whether the server answers a byte range (it may not: then a resume reads up to its offset)."""
    import fsspec

    try:
        with fsspec.open(item.uri, "rb", block_size=1024, **options).open() as probe:
            probe.seek(1)
            probe.read(1)
    except ValueError:  # fsspec: "The HTTP server doesn't appear to support range requests"
        return False
    except AttributeError:  # a streaming file (no size known): no seeking either
        return False
    return True


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
    """A stream that knows its position even when the stream below cannot say (FastWARC asks).
    With `gzip` it also checks that the gzip file is whole (`wholeness.GzipTail`): `check_whole`
    at the end says whether it was cut short, or a read failed under the reader above."""

    def __init__(self, stream: IO[bytes], position: int, gzip: bool = False) -> None:
        super().__init__()
        self._stream = stream
        self._position = position
        self._tail = GzipTail(stream, position) if gzip else None
        self.failure: Exception | None = None  # a read that failed (a timeout, a reset connection)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._stream.read(len(buffer))
        except Exception as exc:  # FastWARC may take a failed read for the end: `check_whole` says it
            self.failure = exc
            raise
        size = len(data)
        buffer[:size] = data
        self._position += size
        if self._tail is not None:
            self._tail.passing(data)
        return size

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._stream.close()
        super().close()

    def member_starts_at(self, offset: int) -> None:
        """A record (a gzip member) starts at `offset`: whatever is before it was whole."""
        if self._tail is not None:
            self._tail.member_starts_at(offset)

    def check_whole(self) -> None:
        """Raise the failure of a read the reader above swallowed, then InputDamaged if the file is
        cut short."""
        if self.failure is not None:
            raise self.failure
        if self._tail is not None:
            self._tail.check()
