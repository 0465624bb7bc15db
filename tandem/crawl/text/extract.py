"""Main-text extraction: one selectolax (lexbor) pass, then per-host repeated-line removal.

0. Self-closing tags of non-void elements (XHTML's `<a id="x"/>`) are closed, so they do not
   swallow the text after them.
1. Walk the DOM once (block_walker; compiled: native_walk), skipping scripts, styles and site chrome (`nav`,
   `header`, `footer`, `aside`, ARIA landmarks, navigation-like elements whose class/id says
   menu, sidebar, share, …), cutting the text into blocks at block-level tags and `<br>` with
   each block's link share; `<pre>` blocks line by line with their indentation. Of hidden
   alternatives (OS variants of a shortcut), one is read (html_blocks.hidden_alternatives).
2. Pick the main container without trusting names (div soup, table layouts) and widen it to the
   sections around it (main_container). Its usable blocks form the text, the page title at most
   once (the model reads only the record's text, not its title).
3. Drop lines this host has shown on `repeat_min_pages` pages in the same place
   (boilerplate.RepeatedLines), at the start or the end of the text only, never between lines
   of the page's own text; code lines, headings and labels (`<dt>`, `<th>`) never are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlparse, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tandem.crawl.text.boilerplate import RepeatedLines
from tandem.crawl.text.html_blocks import HEADING_TAGS, Block, css
from tandem.crawl.text.main_container import select_main_blocks
from tandem.crawl.text.native_walk import page_hrefs, walk_page

_SPACES = re.compile(r"\s+")
_TAG_NAME = re.compile(r"[A-Za-z][\w:-]*")
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                           "source", "track", "wbr"})
# Headings and labels (definition terms, header cells, captions) recur wherever a generator's
# template structures a text ("Parameters:", "説明"), and code recurs as idioms: never template lines.
NEVER_REPEATED_TAGS = frozenset({*HEADING_TAGS, "dt", "th", "caption", "pre"})
# A relative link with no scheme, no dot segment at its start and no query or fragment only.
_PLAIN_RELATIVE = re.compile(r"[^/.?#:\\][^:\\]*$")
# "../x.html", "../../a/b.html#m()": up a folder or more, then no query, parameters or control
# characters (urljoin strips or splits at those); dot segments after the "../"s are checked apart.
_PARENT_RELATIVE = re.compile(r"(?:\.\./)+([^/.?#:;\\\x00-\x20][^?#:;\\\x00-\x20]*)(?:#[^\x00-\x20]*)?")
_TITLE_SEPARATORS = re.compile(r"\s+[|｜\-–—:：]\s+|\s*[|｜]\s*")


@dataclass
class ExtractSettings:
    min_block_chars: int = field(default=8, metadata={"help": (
        "Text blocks narrower than this are dropped (labels, buttons, dates); width counts a "
        "Japanese (full-width) letter as 2, so 4 Japanese letters pass. Headings, table cells, "
        "list items, definition terms and code lines are kept whatever their length.")})
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
        "Drop lines that this host has shown on `repeat_min_pages` pages at the same place (as "
        "many blocks from the top or from the bottom of the page): boilerplate the tag pass "
        "missed, such as copyright lines and 'about this site' blurbs. Code, headings and labels "
        "(<dt>, <th>) stay.")})
    repeat_min_pages: int = field(default=3, metadata={"help": (
        "A line seen on this many pages of one host at the same place (2 or more) counts as "
        "boilerplate from then on.")})
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
        tree = LexborHTMLParser(close_self_closing_tags(html))
        head = read_head(tree)
        title = _title(tree, head)
        links = _links(tree, url, head)
        lang = _lang(tree, head)
        root = tree.body or tree.root
        if root is None:
            return ExtractedPage(title, "", links, lang)
        page = walk_page(root, self.settings.remove_chrome)
        blocks = page.blocks
        s = self.settings
        chosen = select_main_blocks(page, s.min_block_chars, s.content_block_chars,
                                    s.max_link_density, s.container_share)
        titles = [i for i in chosen if blocks[i].text == title]
        if len(titles) > 1:  # the title once, where the text first gives it
            chosen = [i for i in chosen if i not in titles[1:]]
        if self.settings.repeated_lines and chosen:
            chosen = self._drop_repeated(urlsplit(url).hostname or "", blocks, chosen)
        return ExtractedPage(title, "\n".join(blocks[i].text for i in chosen), links, lang)

    def state_dict(self) -> dict[str, Any]:
        return self._repeated.state_dict()

    def load_state(self, state: dict[str, Any]) -> None:
        self._repeated.load_state(state)

    def _drop_repeated(self, host: str, blocks: list[Block], chosen: list[int]) -> list[int]:
        """Template lines go; lines of code and headings never do (see boilerplate.RepeatedLines).
        Only the runs of repeated lines at the start and the end of the text go: a template puts
        its notices and blurbs around the text; a repeated line between lines of this page's own
        text is part of it (similar pages of a manual share sentences at the same place)."""
        candidates = [i for i in chosen if blocks[i].tag not in NEVER_REPEATED_TAGS]
        flags = self._repeated.repeated(host, [(blocks[i].text, i) for i in candidates], len(blocks))
        repeated: set[int] = set()
        for order in (candidates, candidates[::-1]):
            for i, flag in zip(order, flags if order is candidates else flags[::-1], strict=True):
                if not flag:
                    break
                repeated.add(i)
        return [i for i in chosen if i not in repeated]


def close_self_closing_tags(html: str) -> str:
    """`<a id="x"/>` -> `<a id="x"></a>`: an HTML parser reads XHTML's self-closing form of an
    element that is not void as an open tag, which then swallows the text after it. Void
    elements (`<br/>`) are left alone. Scans for "/>" rather than running a regex over the page
    (10x faster on a 300 KB manual)."""
    pieces: list[str] = []
    start = 0
    end = html.find("/>")
    while end != -1:
        tag_start = html.rfind("<", start, end)
        name = _TAG_NAME.match(html, tag_start + 1) if tag_start != -1 else None
        if name is not None and name.group().lower() not in VOID_ELEMENTS:
            pieces += (html[start:end], f"></{name.group()}>")
            start = end + 2
        end = html.find("/>", end + 2)
    if not pieces:
        return html
    pieces.append(html[start:])
    return "".join(pieces)


@dataclass
class HeadFacts:
    """What the extractor reads from the page's head, in one pass over its children (a CSS
    query costs its selector's compilation each time, more than the whole pass)."""

    og_title: str = ""
    title: LexborNode | None = None
    base_href: str | None = None
    content_language: str | None = None


def read_head(tree: LexborHTMLParser) -> HeadFacts:
    facts = HeadFacts()
    head = tree.head
    for node in head.iter() if head is not None else ():
        tag = node.tag
        if tag == "meta":
            attributes = node.attributes
            if attributes.get("property") == "og:title" and not facts.og_title:
                facts.og_title = attributes.get("content") or ""
            elif (attributes.get("http-equiv") or "").lower() == "content-language" and not facts.content_language:
                facts.content_language = attributes.get("content")
        elif tag == "title" and facts.title is None:
            facts.title = node
        elif tag == "base" and facts.base_href is None:
            facts.base_href = node.attributes.get("href")
    if facts.title is None:  # a broken page's title may sit in its body
        facts.title = _first(tree, "title")
    return facts


def _first(tree: LexborHTMLParser, query: str) -> LexborNode | None:
    """`tree.css_first(query)` (a fallback for pages without a title: seldom run)."""
    found = css(tree.root, query) if tree.root is not None else []
    return found[0] if found else None


def _title(tree: LexborHTMLParser, head: HeadFacts) -> str:
    if head.og_title:
        return _SPACES.sub(" ", head.og_title).strip()
    if head.title is not None:
        full = _SPACES.sub(" ", head.title.text()).strip()
        return _TITLE_SEPARATORS.split(full)[0].strip() or full
    node = _first(tree, "h1")
    return _SPACES.sub(" ", node.text()).strip() if node is not None else ""


def _links(tree: LexborHTMLParser, url: str, head: HeadFacts) -> list[str]:
    base = urljoin(url, head.base_href) if head.base_href is not None else url
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    folder = origin + (parts.path[:parts.path.rfind("/") + 1] or "/")
    base_folder = urlparse(base).path.split("/")  # urljoin's: the base path's segments, less a last file name
    if base_folder[-1]:
        del base_folder[-1]
    hrefs: dict[str, None] = {}
    for href in page_hrefs(tree):
        href = href.strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            hrefs.setdefault(href, None)
    links: dict[str, None] = {}
    for href in hrefs:
        # urljoin costs ~10 us; most links are absolute or root-relative without dot segments.
        if href.startswith(("http://", "https://")):
            absolute = href
        elif href.startswith("/") and not href.startswith("//") and "/." not in href:
            absolute = origin + href
        elif _PLAIN_RELATIVE.match(href) and "/." not in href:  # "page.html", "sub/page.html#x"
            absolute = folder + href
        elif parts.netloc and (parent := _PARENT_RELATIVE.fullmatch(href)) and "/." not in parent[1]:
            absolute = origin + _parent_relative_path(base_folder, href)
        else:
            absolute = urljoin(base, href)
        links.setdefault(absolute, None)
    return list(links)


def _parent_relative_path(base_folder: list[str], href: str) -> str:
    """What urljoin makes of a "../x.html#y" href's path (and fragment): its steps, done alike
    (empty segments dropped, "." skipped, ".." above the root ignored), without its parsing of
    both URLs (~10 us a link; Javadoc's links are all such)."""
    path, _, fragment = href.partition("#")
    segments = base_folder + path.split("/")
    segments[1:-1] = filter(None, segments[1:-1])
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    joined = "/".join(resolved) or "/"
    return ("" if joined.startswith("/") else "/") + joined + (f"#{fragment}" if fragment else "")


def _lang(tree: LexborHTMLParser, head: HeadFacts) -> str | None:
    html_node = tree.root
    value = html_node.attributes.get("lang") if html_node is not None and html_node.tag == "html" else None
    if not value:
        value = head.content_language
    return value.strip().split("-")[0].split("_")[0].lower() or None if value else None
