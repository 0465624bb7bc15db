"""Main-text extraction: one selectolax (lexbor) pass, then per-host repeated-line removal.

1. Walk the DOM once (blocks.BlockWalker), skipping scripts, styles and site chrome (`nav`,
   `header`, `footer`, `aside`, ARIA landmarks, class/id words such as menu, sidebar, share),
   cutting the text into blocks at block-level tags and `<br>` with each block's link share.
2. Pick the main container without trusting names (div soup, table layouts): the deepest
   element that holds at least `container_share` of the page's prose-like text (blocks of
   `content_block_chars` or more with few links). Its blocks that are not link-dense (nav cells,
   prev/next rows, link lists) form the text; a line equal to the title is dropped.
3. Drop lines this host has shown on `repeat_min_pages` pages (boilerplate.RepeatedLines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from tandem.crawl.text.boilerplate import RepeatedLines
from tandem.crawl.text.html_blocks import Block, BlockWalker, link_density

_SPACES = re.compile(r"\s+")
_TITLE_SEPARATORS = re.compile(r"\s+[|｜\-–—:：]\s+|\s*[|｜]\s*")


@dataclass
class ExtractSettings:
    min_block_chars: int = field(default=8, metadata={"help": (
        "Text blocks shorter than this many characters are dropped (labels, buttons, dates).")})
    content_block_chars: int = field(default=20, metadata={"help": (
        "Blocks at least this many characters long, and not link-dense, count as prose when the "
        "main container is chosen.")})
    max_link_density: float = field(default=0.5, metadata={"help": (
        "Blocks with a larger share (0-1) of their characters inside links are dropped as "
        "navigation. Lower it to drop more link lists.")})
    container_share: float = field(default=0.6, metadata={"help": (
        "The main text is the deepest element holding at least this share (0-1] of the page's "
        "prose. Lower it if pages with several content columns lose text.")})
    remove_chrome: bool = field(default=True, metadata={"help": (
        "Skip site chrome before anything else: nav, header, footer, aside, ARIA landmarks and "
        "elements whose class or id says menu, sidebar, share and the like.")})
    repeated_lines: bool = field(default=True, metadata={"help": (
        "Drop lines that this host has shown on `repeat_min_pages` pages (boilerplate the tag "
        "pass missed, such as copyright lines and 'about this site' blurbs).")})
    repeat_min_pages: int = field(default=3, metadata={"help": (
        "A line seen on this many pages of one host (2 or more) counts as boilerplate from then on.")})
    max_lines_per_host: int = field(default=20_000, metadata={"help": (
        "Lines remembered per host for the repeated-line check; lines seen once are forgotten "
        "first. Bounds memory.")})
    max_hosts: int = field(default=1_000, metadata={"help": (
        "Hosts whose lines are remembered; the least recently seen host is forgotten first. "
        "Bounds memory.")})

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_link_density <= 1.0:
            raise ValueError(f"max_link_density: must be between 0 and 1, got {self.max_link_density}")
        if not 0.0 < self.container_share <= 1.0:
            raise ValueError(f"container_share: must be in (0, 1], got {self.container_share}")
        if self.repeat_min_pages < 2:
            raise ValueError("repeat_min_pages: must be 2 or more")
        for key in ("min_block_chars", "content_block_chars", "max_lines_per_host", "max_hosts"):
            if getattr(self, key) < 0:
                raise ValueError(f"{key}: must be 0 or more")


@dataclass
class ExtractedPage:
    title: str
    text: str
    links: list[str]
    lang: str | None


class Extractor:
    def __init__(self, settings: ExtractSettings) -> None:
        self.settings = settings
        self._repeated = RepeatedLines(settings.repeat_min_pages, settings.max_lines_per_host, settings.max_hosts)

    def extract(self, html: str, url: str) -> ExtractedPage:
        tree = LexborHTMLParser(html)
        title = _title(tree)
        links = _links(tree, url)
        lang = _lang(tree)
        root = tree.body or tree.root
        if root is None:
            return ExtractedPage(title, "", links, lang)
        walker = BlockWalker(self.settings.remove_chrome, len(root.text(deep=True, separator="")))
        walker.walk_root(root)
        lines = [b.text for b in self._main_blocks(walker.blocks) if b.text != title]
        if self.settings.repeated_lines and lines:
            lines = self._repeated.filter(urlsplit(url).hostname or "", lines)
        return ExtractedPage(title, "\n".join(lines), links, lang)

    def state_dict(self) -> dict[str, Any]:
        return self._repeated.state_dict()

    def load_state(self, state: dict[str, Any]) -> None:
        self._repeated.load_state(state)

    def _main_blocks(self, blocks: list[Block]) -> list[Block]:
        s = self.settings
        kept = [b for b in blocks if len(b.text) >= s.min_block_chars and link_density(b) <= s.max_link_density]
        prose = [b for b in kept if len(b.text) >= s.content_block_chars]
        if not prose:
            return kept
        weight: dict[int, int] = {}
        depth: dict[int, int] = {}
        for block in prose:
            for level, serial in enumerate(block.ancestors):
                weight[serial] = weight.get(serial, 0) + len(block.text) - block.link_chars
                depth[serial] = level
        total = sum(len(b.text) - b.link_chars for b in prose)
        enough = [serial for serial, w in weight.items() if w >= s.container_share * total]
        container = max(enough, key=lambda serial: (depth[serial], weight[serial]))
        return [b for b in kept if container in b.ancestors]


def _title(tree: LexborHTMLParser) -> str:
    node = tree.css_first('meta[property="og:title"]')
    if node is not None and node.attributes.get("content"):
        return _SPACES.sub(" ", node.attributes["content"] or "").strip()
    node = tree.css_first("title")
    if node is not None:
        full = _SPACES.sub(" ", node.text()).strip()
        return _TITLE_SEPARATORS.split(full)[0].strip() or full
    node = tree.css_first("h1")
    return _SPACES.sub(" ", node.text()).strip() if node is not None else ""


def _links(tree: LexborHTMLParser, url: str) -> list[str]:
    base_node = tree.css_first("base[href]")
    base = urljoin(url, base_node.attributes.get("href") or "") if base_node is not None else url
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    hrefs: dict[str, None] = {}
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            hrefs.setdefault(href, None)
    links: dict[str, None] = {}
    for href in hrefs:
        # urljoin costs ~10 us; most links are absolute or root-relative without dot segments.
        if href.startswith(("http://", "https://")):
            absolute = href
        elif href.startswith("/") and not href.startswith("//") and "/." not in href:
            absolute = origin + href
        else:
            absolute = urljoin(base, href)
        links.setdefault(absolute, None)
    return list(links)


def _lang(tree: LexborHTMLParser) -> str | None:
    html_node = tree.css_first("html")
    value = html_node.attributes.get("lang") if html_node is not None else None
    if not value:
        meta = tree.css_first('meta[http-equiv="content-language" i]')
        value = meta.attributes.get("content") if meta is not None else None
    return value.strip().split("-")[0].split("_")[0].lower() or None if value else None
