"""Per-host memory of lines that repeat across pages: site chrome that the tree pass missed.

Sidebars' "about this site" blurbs, copyright lines and notices inside the content cell look
like prose to a structural extractor, but they are the same on every page of a host. A line
seen on `min_pages` pages of the same host (this one included) is dropped from then on. Lines
are remembered as 64-bit hashes with per-host counts, capped per host (single-page lines are
forgotten first), and the whole state is JSON-able for the crawl's checkpoint.
"""

from __future__ import annotations

import hashlib
from typing import Any


class RepeatedLines:
    def __init__(self, min_pages: int = 3, max_lines_per_host: int = 20_000) -> None:
        self.min_pages = min_pages
        self.max_lines_per_host = max_lines_per_host
        self._hosts: dict[str, dict[str, int]] = {}

    def filter(self, host: str, lines: list[str]) -> list[str]:
        """Count this page's lines for `host` and return those not (yet) known as repeated."""
        counts = self._hosts.setdefault(host, {})
        keys = [_line_key(line) for line in lines]
        for key in set(keys):
            if key in counts:
                counts[key] += 1
            elif len(counts) < self.max_lines_per_host:
                counts[key] = 1
        if len(counts) >= self.max_lines_per_host:
            self._forget_singletons(counts)
        return [line for line, key in zip(lines, keys, strict=True) if counts.get(key, 0) < self.min_pages]

    def state_dict(self) -> dict[str, Any]:
        return {"version": 1, "hosts": {host: dict(counts) for host, counts in self._hosts.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        if state.get("version") != 1:
            raise ValueError("extractor state: unknown version")
        self._hosts = {host: {str(k): int(v) for k, v in counts.items()}
                       for host, counts in state.get("hosts", {}).items()}

    @staticmethod
    def _forget_singletons(counts: dict[str, int]) -> None:
        for key in [key for key, count in counts.items() if count == 1]:
            del counts[key]


def _line_key(line: str) -> str:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=8).hexdigest()
