"""The priority of a link in the quality-ranked frontier, in [0, 1]: higher is fetched sooner.

A link inherits the worth of the page that holds it (Craw4LLM, Yu et al. 2025), times DECAY: the
larger of the page's score (text.page_score) and the priority the page itself was queued with,
decayed once more (the hop that led to it), so a chain of poor pages fades hop by hop while an
index between two good pages passes their worth on, and no bonus is inherited for long. A good
page's links to its own host get a bonus: a site that wrote one good page usually wrote more. A
link to a host the crawl has never queued gets NEW_HOST_BONUS: until one of its pages is fetched
nothing is known of the host, and no host should wait behind another's pages to be judged at
all. Then cheap evidence in the URL itself, seen before any fetch: a path under `/en/` (the
English edition of a site), a file the crawl cannot use (`.pdf`, images, archives, plain text,
stylesheets: refused only after the request), a query that looks like a calendar or a session
id (endless generated pages). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SEED_PRIORITY = 1.0
DECAY = 0.85
# A page scoring at least GOOD_PAGE adds SAME_SITE_BONUS times its score to links to its own host.
GOOD_PAGE = 0.5
SAME_SITE_BONUS = 0.1
NEW_HOST_BONUS = 0.3
# Pages a sitemap lists: the host offers them, nothing is known of their text yet.
SITEMAP_WORTH = 0.5

ENGLISH_EDITION = 0.3
NOT_TEXT = 0.5
GENERATED_QUERY = 0.4
JAPANESE_EDITION = -0.05  # a small bonus

_ENGLISH_PATH = re.compile(r"/en(?:[-_](?:us|gb))?/", re.IGNORECASE)
_JAPANESE_PATH = re.compile(r"/ja(?:[-_]jp)?/", re.IGNORECASE)
# Not a web page: refused by fetch.content_types, but only once the request is made.
_NOT_TEXT = re.compile(r"\.(?:pdf|zip|gz|tgz|bz2|xz|7z|rar|jpe?g|png|gif|webp|svg|ico|mp[34]|mov|avi|exe|dmg|iso"
                       r"|docx?|xlsx?|pptx?|txt|css|js|json|xml|rss|csv)$", re.IGNORECASE)
# Query keys of calendars and archives by date, and of sessions; values that are dates.
_CALENDAR_KEYS = frozenset({"date", "day", "month", "year", "ym", "ymd", "cal", "calendar", "week", "from", "to"})
_SESSION_KEYS = frozenset({"sid", "session", "sessionid", "session_id", "phpsessid", "jsessionid", "sess", "token"})
_DATE_VALUE = re.compile(r"^(?:19|20)\d\d[-/]?(?:0[1-9]|1[0-2])(?:[-/]?\d\d)?$")
_CALENDAR_PATH = re.compile(r"/(?:calendar|cal|events?)/", re.IGNORECASE)


def link_priority(page_score: float, page_priority: float, same_site: bool, url: str,
                  new_host: bool = False) -> float:
    """The priority of `url`, linked from a page with that score, queued at `page_priority`;
    `new_host`: no URL of its host is queued yet."""
    worth = max(page_score, DECAY * page_priority)
    bonus = SAME_SITE_BONUS * page_score if same_site and page_score >= GOOD_PAGE else 0.0
    if new_host:
        bonus += NEW_HOST_BONUS
    return _clamp(DECAY * worth + bonus - url_penalty(url))


def sitemap_priority(url: str) -> float:
    return _clamp(DECAY * SITEMAP_WORTH - url_penalty(url))


def seed_priority(url: str) -> float:
    return _clamp(SEED_PRIORITY - url_penalty(url))


def url_penalty(url: str) -> float:
    """What the URL alone says against fetching it (negative: for it)."""
    parts = urlsplit(url)
    path = parts.path
    penalty = 0.0
    if _ENGLISH_PATH.search(path) or _query_says(parts.query, {"lang", "hl", "locale"}, {"en", "en-us", "en_us"}):
        penalty += ENGLISH_EDITION
    elif _JAPANESE_PATH.search(path):
        penalty += JAPANESE_EDITION
    if _NOT_TEXT.search(path):
        penalty += NOT_TEXT
    if _CALENDAR_PATH.search(path) or _generated_query(parts.query):
        penalty += GENERATED_QUERY
    return penalty


def _generated_query(query: str) -> bool:
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        key = key.lower()
        if key in _CALENDAR_KEYS or key in _SESSION_KEYS or _DATE_VALUE.match(value):
            return True
    return False


def _query_says(query: str, keys: set[str], values: set[str]) -> bool:
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key.lower() in keys and value.lower() in values:
            return True
    return False


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)
