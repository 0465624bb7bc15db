"""Telling a whole compressed input from one that was cut short (a download that stopped).

A gzip, bzip2 or xz stream ends with an end-of-stream marker (and gzip with the length and CRC of
what it held); a file cut short lacks it. Python's decompressors say so (`EOFError`); FastWARC,
which inflates a `.warc.gz` itself, does not: it stops at the cut as if the file had ended there.
So for WARC the gzip members are inflated here too (the output thrown away), and at the end an
unfinished member means the file is truncated: on a file that can seek, only the members from
the last record FastWARC reported to the end (`GzipTail`: a member per record makes following
every one cost more than FastWARC's own reading); on a stream, each member as it goes by.
"""

from __future__ import annotations

import io
import zlib
from typing import IO, Any

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_OUT_CHUNK = 1 << 20  # inflate at most this much at a time: a bomb never lands in memory whole


class InputDamaged(Exception):
    """An input that is not whole; `str(error)` is the reason (`truncated at byte N`)."""

    usage = False


def truncated_at(position: int) -> InputDamaged:
    return InputDamaged(f"truncated at byte {position} (the compressed stream ends before its end marker: "
                        "a download cut short?)")


class GzipMembers:
    """Follows the gzip members of a byte stream fed in pieces; `check_whole()` at its end."""

    def __init__(self, position: int = 0) -> None:
        self.position = position  # bytes of the file seen so far (from where the stream began)
        self._member: Any = None  # the inflater of the member being read, None between members
        self._damage: str | None = None

    def feed(self, data: bytes) -> None:
        start = self.position
        self.position += len(data)
        while data and self._damage is None:
            if self._member is None:
                self._member = zlib.decompressobj(_GZIP_WBITS)
            try:
                self._member.decompress(data, _OUT_CHUNK)
                while self._member.unconsumed_tail:
                    self._member.decompress(self._member.unconsumed_tail, _OUT_CHUNK)
            except zlib.error as exc:
                self._damage = f"not valid gzip near byte {start} ({exc})"
                return
            if not self._member.eof:
                return
            data = self._member.unused_data
            start = self.position - len(data)
            self._member = None

    def check_whole(self) -> None:
        """Raise InputDamaged when the stream ended inside a member, or held something not gzip."""
        if self._damage is not None:
            raise InputDamaged(self._damage)
        if self._member is not None:
            raise truncated_at(self.position)


class GzipTail:
    """Whether a gzip file that another reader (FastWARC) reads is whole: `passing` sees every
    byte it reads, `member_starts_at` each record offset it reports, `check` comes at its end."""

    def __init__(self, stream: IO[bytes], position: int) -> None:
        self._stream = stream
        self._tail_from = position if _seekable(stream) else None
        self._members = GzipMembers(position) if self._tail_from is None else None

    def passing(self, data: bytes) -> None:
        if self._members is not None:
            self._members.feed(data)

    def member_starts_at(self, offset: int) -> None:
        if self._tail_from is not None:
            self._tail_from = offset

    def check(self) -> None:
        """Inflate what is left to check to the end of the file; InputDamaged if it is cut short."""
        if self._tail_from is not None:
            self._stream.seek(self._tail_from)
            self._members = GzipMembers(self._tail_from)
        assert self._members is not None
        while data := self._stream.read(_OUT_CHUNK):
            self._members.feed(data)
        self._members.check_whole()


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (OSError, ValueError):
        return False


class CountingReader(io.RawIOBase):
    """The raw (compressed) bytes of a file, counted: where a decompressor found the cut."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self) -> None:
        self._stream.close()
        super().close()


class WholeOrSaid(io.RawIOBase):
    """A decompressed stream whose decompressor's `EOFError` (the stream ended before its end
    marker) becomes InputDamaged naming the byte where the compressed file ended."""

    def __init__(self, decompressed: IO[bytes], raw: CountingReader) -> None:
        super().__init__()
        self._decompressed = decompressed
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            # read1: what one step inflates, so the lines before a cut are all handed out first
            data = self._decompressed.read1(len(buffer))  # type: ignore[attr-defined]
        except EOFError:
            raise truncated_at(self._raw.count) from None
        size = len(data)
        buffer[:size] = data
        return size

    def close(self) -> None:
        self._decompressed.close()  # a decompressor given a file object leaves it open
        self._raw.close()
        super().close()
