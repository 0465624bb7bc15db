"""Signals stay live while a source is read in the crawl's own process.

A read of a remote source can wait for a long time (a server that stops sending), and the flag a
signal handler sets is only looked at between documents. So while the crawl's process is inside
a read (and only then: never while the keeper writes or commits), a stop signal abandons it:
`interrupt` raises `ReadInterrupted` out of the read. fsspec waits for its reads in steps that a
signal can break, and a reader that swallows the exception (FastWARC's Rust code may) is caught
by `check` once it returns. The input's cursor stays at its last handled record, so a resume
reads on from there. Worker processes (`workers: N`) need none of this: the crawl stops them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ReadInterrupted(BaseException):
    """A stop signal came while a source was being read: the read is abandoned. A BaseException,
    so that no reader's `except Exception` takes it for a failed input."""


class ReadGuard:
    def __init__(self) -> None:
        self._reading = False
        self.interrupted = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        self._reading = True
        try:
            yield
        finally:
            self._reading = False

    def interrupt(self) -> None:
        """From the signal handler: end the read now, if one is under way."""
        self.interrupted = True
        if self._reading:
            raise ReadInterrupted

    def check(self) -> None:
        """After a read ended (normally or not): was it a stop, not the input's own end?"""
        if self.interrupted:
            raise ReadInterrupted


READS = ReadGuard()  # signals are the process's: one guard for it
