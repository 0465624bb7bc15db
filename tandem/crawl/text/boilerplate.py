"""Per-host memory of lines that repeat across pages in the same place: template text.

Sidebars' "about this site" blurbs, copyright lines and notices inside the content cell look
like prose to a structural extractor, but the site's template puts them on every page, and in
the same place: at the same distance from the top of the page, or from its bottom. Real content
that recurs (a code idiom, a standard phrase of a manual) sits wherever the text around it puts
it. So a line counts as repeated when it was seen on `min_pages` pages of the same host (this
one included) at the same position counted from the page's first block, or at the same position
counted from its last. Each sighting is remembered as a 64-bit key of (line, position) with a
per-host count, capped per host (single sightings are forgotten first) and in the number of
hosts (the least recently seen host is forgotten). The state is JSON-able for the crawl's
checkpoint; it leaves out sightings seen only once, which keeps it small.

The counting runs compiled (native/line_counts.c, module _line_counts: the same steps, BLAKE2b
included) where the extension is built and its hash is hashlib's; else in Python
(`_python_sightings`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

STATE_VERSION = 2


class RepeatedLines:
    def __init__(self, min_pages: int = 3, max_lines_per_host: int = 20_000, max_hosts: int = 1_000) -> None:
        self.min_pages = min_pages
        self.max_lines_per_host = max_lines_per_host
        self.max_hosts = max_hosts
        self._hosts: OrderedDict[str, dict[int, int]] = OrderedDict()

    def repeated(self, host: str, lines: list[tuple[str, int]], page_blocks: int) -> list[bool]:
        """Count this page's (line, position) sightings for `host`; for each line, whether it is
        now known as repeated. Positions are block indexes in 0..page_blocks-1."""
        counts = self._hosts.setdefault(host, {})
        self._hosts.move_to_end(host)
        if len(self._hosts) > self.max_hosts:
            self._hosts.popitem(last=False)
        return _sightings(counts, [line for line, _ in lines], [position for _, position in lines], page_blocks,
                          self.max_lines_per_host, self.min_pages)

    def state_dict(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "hosts": {host: {f"{key:x}": count for key, count in counts.items()
                                                           if count > 1}
                                                    for host, counts in self._hosts.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        version = state.get("version")
        if version == 1:  # lines without positions (an older crawl): learnt again from scratch
            self._hosts = OrderedDict()
            return
        if version != STATE_VERSION:
            raise ValueError("extractor state: unknown version")
        self._hosts = OrderedDict((host, {int(k, 16): int(v) for k, v in counts.items()})
                                  for host, counts in state.get("hosts", {}).items())


def _python_sightings(counts: dict[int, int], lines: list[str], positions: list[int], page_blocks: int,
                      max_lines: int, min_pages: int) -> list[bool]:
    """Counts each (line, position) sighting of a page in `counts`, a key once per page; for
    each line, whether it is now known as repeated."""
    keys = []
    for line, position in zip(lines, positions, strict=True):
        line_hash = _line_hash(line)
        keys.append((_placed(line_hash, position + 1), _placed(line_hash, position - page_blocks)))
    for key in {key for pair in keys for key in pair}:
        if key in counts:
            counts[key] += 1
        elif len(counts) < max_lines:
            counts[key] = 1
    if len(counts) >= max_lines:  # forget the keys seen once
        for key in [key for key, count in counts.items() if count == 1]:
            del counts[key]
    return [counts.get(top, 0) >= min_pages or counts.get(bottom, 0) >= min_pages for top, bottom in keys]


_MASK = (1 << 64) - 1
_POSITION_MIX = 0x9E3779B97F4A7C15  # odd 64-bit constant: positions land far apart


def _line_hash(line: str) -> int:
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest(), "little")


def _placed(line_hash: int, position: int) -> int:
    """One 64-bit key for a line at a position (positive from the top, negative from the bottom)."""
    return (line_hash ^ (position * _POSITION_MIX)) & _MASK


def _chosen_sightings() -> Callable[..., list[bool]]:
    """The compiled counting, where it is built and hashes as hashlib does (lines of every
    length around BLAKE2b's 128-byte blocks, Japanese among them)."""
    try:
        from tandem.crawl.text._line_counts import line_hash, sightings  # type: ignore[attr-defined]
    except ImportError:
        return _python_sightings
    probes = ["", "a", "日本語の行。", *("x" * (block + step) for block in (128, 256) for step in (-1, 0, 1))]
    return sightings if all(line_hash(line) == _line_hash(line) for line in probes) else _python_sightings  # type: ignore[no-any-return]


_sightings = _chosen_sightings()
