"""What the crawl has learnt of each site section: the share of its fetched pages that were kept.

A page's own score says how good the page is; where a link points says something too, once the
crawl has fetched a few pages there. Sites are made of sections that are good or bad as a whole
(a manual's chapters against its `/search/` or `/tag/` pages, a blog's posts against its `/en/`
edition, a forum against its `/login/`), so the links into a section whose pages were all dropped
are worth less than their linking page says, and those into one that keeps giving are worth more
(focused crawlers learn from what a link's neighbourhood yielded; Craw4LLM ranks by the linking
page only, and spends fetches on such sections).

A section is a host and the first folder of the path (`a.jp/docs/`; pages at the root:
`a.jp/`). Its kept rate is smoothed towards its host's, the host's towards the whole crawl's, and
the crawl's towards PRIOR_RATE, each by PRIOR_PAGES pages' worth of evidence: a section with one
dropped page is barely judged, one with thirty is, and a host nothing is known of is expected to
do as the crawl's hosts do on average (on a web of junk, a new junk host is judged from its
first pages, not after its own PRIOR_PAGES). The rate turns into a factor on the link's priority (`yield_factor`): 1 at
PRIOR_RATE (what nothing known says), down to YIELD_FLOOR for a section that keeps nothing, up to
YIELD_CEILING for one that keeps most. The engine weighs a URL by it when the URL leaves the
frontier for its host's buffer, as learnt at that moment: most links are queued long before
their section is judged, and re-ranking them in frontier.sqlite would cost a write each. So the
frontier's own order stays the link priorities'; the turns among the hosts' buffered URLs, and
whether one is worth a request while a better host waits for its delay (host_buffer.py), follow
the yields.

Nothing here is saved: the counts are recomputed on resume from frontier.sqlite, which records
every URL's outcome (`from_outcomes`). In memory: two counters per section and host.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# The kept rate assumed where nothing is known (a real Japanese documentation site kept 70 of 579
# pages; a good section keeps more): a factor of 1, as before anything was learnt.
PRIOR_RATE = 0.25
PRIOR_PAGES = 4.0
YIELD_FLOOR = 0.5
YIELD_CEILING = 1.2
YIELD_SLOPE = (1.0 - YIELD_FLOOR) / PRIOR_RATE  # factor 1 at PRIOR_RATE, YIELD_FLOOR at 0


def section_of(url: str) -> tuple[str, str]:
    """(host, section) of a canonical URL (`scheme://host[:port]/path[?query][#fragment]`): the
    section is the host and the first folder. String slicing, not urlsplit: a resume runs it
    on every page the crawl has judged."""
    rest = url[url.find("://") + 3:]
    end = len(rest)
    for mark in "?#":
        found = rest.find(mark)
        if found != -1 and found < end:
            end = found
    rest = rest[:end]
    host, _, path = rest.partition("/")
    folder, slash, _ = path.partition("/")
    return host, f"{host}/{folder}/" if slash else f"{host}/"


def smoothed_rate(kept: int, judged: int, prior: float) -> float:
    """The kept share with PRIOR_PAGES pages' worth of `prior` mixed in."""
    return (kept + PRIOR_PAGES * prior) / (judged + PRIOR_PAGES)


def yield_factor(rate: float) -> float:
    """What a section's kept rate does to the priority of a link into it."""
    return min(YIELD_CEILING, max(YIELD_FLOOR, YIELD_FLOOR + YIELD_SLOPE * rate))


class PrefixYield:
    """Pages fetched and kept per host and per section, counted as the crawl judges them."""

    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}  # host or section -> [judged, kept]
        self._crawl = [0, 0]  # every page: [judged, kept]

    @classmethod
    def from_outcomes(cls, outcomes: Iterable[tuple[str, bool]]) -> PrefixYield:
        """Counts rebuilt from (url, kept) of every page judged so far (a resumed crawl: about
        3 s a million pages on this machine, counted by section first)."""
        learnt = cls()
        by_section: Counter[tuple[str, bool]] = Counter()
        for url, kept in outcomes:
            by_section[(section_of(url)[1], kept)] += 1
        for (section, kept), count in by_section.items():
            host = section[:section.index("/")]
            for counts in (learnt._crawl, learnt._counts.setdefault(host, [0, 0]),
                           learnt._counts.setdefault(section, [0, 0])):
                counts[0] += count
                counts[1] += count * kept
        return learnt

    def record(self, url: str, kept: bool) -> None:
        for counts in (self._crawl, *(self._counts.setdefault(key, [0, 0]) for key in section_of(url))):
            counts[0] += 1
            counts[1] += int(kept)

    def rate(self, url: str) -> float:
        """The section's smoothed kept rate (its host's where it has no pages yet, the crawl's
        where the host has none)."""
        host, section = section_of(url)
        judged, kept = self._crawl
        crawl_rate = smoothed_rate(kept, judged, PRIOR_RATE)
        judged, kept = self._counts.get(host, (0, 0))
        host_rate = smoothed_rate(kept, judged, crawl_rate)
        judged, kept = self._counts.get(section, (0, 0))
        return smoothed_rate(kept, judged, host_rate)

    def adjusted(self, url: str, priority: float) -> float:
        """`priority` (link_priority.py) weighed by the yield of the section `url` is in."""
        return round(min(1.0, priority * yield_factor(self.rate(url))), 4)
