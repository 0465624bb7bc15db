"""Per-host memory of lines that repeat across pages: site chrome that the tree pass missed.

Sidebars' "about this site" blurbs, copyright lines and notices inside the content cell look
like prose to a structural extractor, but they are the same on every page of a host. A line
seen on `min_pages` pages of the same host (this one included) is dropped from then on. Lines
are remembered as 64-bit hashes with per-host counts, capped per host (single-page lines are
forgotten first) and in the number of hosts (the least recently seen host is forgotten). The
state is JSON-able for the crawl's checkpoint; it leaves out lines seen only once, which keeps it
small (a resumed crawl needs one more sighting of such a line before it counts as repeated).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any


class RepeatedLines:
    def __init__(self, min_pages: int = 3, max_lines_per_host: int = 20_000, max_hosts: int = 1_000) -> None:
        self.min_pages = min_pages
        self.max_lines_per_host = max_lines_per_host
        self.max_hosts = max_hosts
        self._hosts: OrderedDict[str, dict[str, int]] = OrderedDict()

    def filter(self, host: str, lines: list[str]) -> list[str]:
        """Count this page's lines for `host` and return those not (yet) known as repeated."""
        counts = self._hosts.setdefault(host, {})
        self._hosts.move_to_end(host)
        if len(self._hosts) > self.max_hosts:
            self._hosts.popitem(last=False)
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
        return {"version": 1, "hosts": {host: {key: count for key, count in counts.items() if count > 1}
                                        for host, counts in self._hosts.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        if state.get("version") != 1:
            raise ValueError("extractor state: unknown version")
        self._hosts = OrderedDict((host, {str(k): int(v) for k, v in counts.items()})
                                  for host, counts in state.get("hosts", {}).items())

    @staticmethod
    def _forget_singletons(counts: dict[str, int]) -> None:
        for key in [key for key, count in counts.items() if count == 1]:
            del counts[key]


def _line_key(line: str) -> str:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=8).hexdigest()
