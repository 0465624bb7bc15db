"""The bounds every read of a source stays within: a deadline for each remote read, and the
largest record a reader holds in memory (`max_record_bytes`).

A server that stops sending mid-answer would otherwise hold a reader (and the crawl's stop) for
as long as the connection lives; a 200 MB JSONL line or a gzip bomb that inflates to one line of
gigabytes would be read whole. With these, a stalled read fails the input (a resume tries again)
and an overlong record is skipped and counted (`record_too_long`), read past in pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RECORD_TOO_LONG = "record_too_long"


@dataclass(frozen=True)
class ReadLimits:
    read_timeout_s: float = 20.0  # the crawl's fetch.read_timeout_s
    connect_timeout_s: float = 10.0  # fetch.connect_timeout_s
    max_record_bytes: int = 4_000_000  # max_record_bytes

    def http_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """fsspec options for an http(s) file: aiohttp's per-read deadline, unless the source's
        own `storage_options` set a timeout."""
        import aiohttp

        client = dict(options.get("client_kwargs") or {})
        client.setdefault("timeout", aiohttp.ClientTimeout(
            total=None, sock_connect=self.connect_timeout_s, sock_read=self.read_timeout_s))
        return {**options, "client_kwargs": client}
