"""Cut a page's visible text into blocks, skipping site chrome, in one pass over the DOM.

Blocks end at block-level tags and `<br>`; each block knows its link-text share and the chain
of enclosing block elements (as serial numbers), which is what the extractor needs to find the
main container. Chrome is skipped: `nav`, `header`, `footer`, `aside`, `menu`, ARIA landmarks,
and elements whose class/id words say navigation, menu, breadcrumb, sidebar, share, related,
comment, … — unless such an element holds most of the page's text (some sites wrap everything
in `<div class="header-wrap">`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head", "button",
                       "select", "textarea", "input", "option", "object", "embed", "canvas", "-comment"})
CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "menu"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu"})
CHROME_WORDS = frozenset({
    "nav", "navi", "navbar", "navigation", "gnav", "subnav", "menu", "menubar", "breadcrumb",
    "breadcrumbs", "topicpath", "pankuzu", "footer", "header", "masthead", "sidebar", "side",
    "sidemenu", "widget", "share", "sharing", "social", "sns", "related", "recommend", "ranking",
    "popular", "comment", "comments", "pagination", "pager", "paging", "ad", "ads", "advert",
    "advertisement", "sponsor", "banner", "byline", "tags", "tagcloud", "categories", "archive",
    "archives", "cookie", "copyright", "login", "search",
    # MediaWiki (Wikipedia): edit links, footnote markers, navboxes, contents, category links.
    "editsection", "reference", "navbox", "toc", "catlinks", "printfooter", "noprint", "jump",
})
BLOCK_TAGS = frozenset({"address", "article", "blockquote", "body", "caption", "center", "dd", "details",
                        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2",
                        "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol", "p", "pre", "section",
                        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br"})
# Deeper block elements count as part of their ancestor at this depth (bounds the work per block).
MAX_BLOCK_DEPTH = 200
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")


@dataclass
class Block:
    text: str
    link_chars: int
    ancestors: tuple[int, ...]  # serial numbers of the enclosing elements, outermost first


class BlockWalker:
    """Cuts the visible text into blocks, skipping site chrome."""

    def __init__(self, remove_chrome: bool, page_chars: int) -> None:
        self.remove_chrome = remove_chrome
        self.page_chars = page_chars
        self.blocks: list[Block] = []
        self._serial = 0
        self._stack: list[int] = []
        self._parts: list[str] = []
        self._link_chars = 0

    def walk_root(self, root: LexborNode) -> None:
        """Depth-first over the DOM with an explicit stack: broken pages nest thousands deep."""
        self._open()
        # (remaining children, inside a link, this level opened a block)
        frames: list[tuple[Iterator[LexborNode], bool, bool]] = [(root.iter(include_text=True), False, False)]
        while frames:
            children, in_link, opened_block = frames[-1]
            child = next(children, None)
            if child is None:
                frames.pop()
                if opened_block:
                    self._flush()
                    self._stack.pop()
                continue
            tag = child.tag or ""
            if tag == "-text":
                text = child.text_content or ""
                self._parts.append(text)
                if in_link:
                    self._link_chars += len(text.strip())
            elif tag in SKIP_TAGS or (self.remove_chrome and self._is_chrome(child, tag)):
                continue
            elif tag == "pre":
                self._flush()
                self._open()
                self._add_block((child.text(deep=True) or "").strip("\n"), preformatted=True)
                self._stack.pop()
            elif tag in BLOCK_TAGS:
                self._flush()
                opens = tag != "br" and len(self._stack) < MAX_BLOCK_DEPTH
                if opens:
                    self._open()
                if tag != "br":
                    frames.append((child.iter(include_text=True), in_link, opens))
            else:
                frames.append((child.iter(include_text=True), in_link or tag == "a", False))
        self._flush()
        self._stack.pop()

    def _open(self) -> None:
        self._serial += 1
        self._stack.append(self._serial)

    def _flush(self) -> None:
        if self._parts:
            self._add_block(SPACES.sub(" ", "".join(self._parts)).strip())
        self._parts = []
        self._link_chars = 0

    def _add_block(self, text: str, preformatted: bool = False) -> None:
        if not text:
            return
        ancestors = tuple(self._stack)
        if preformatted:
            for line in text.splitlines():
                if line.strip():
                    self.blocks.append(Block(line.rstrip(), 0, ancestors))
            return
        self.blocks.append(Block(text, min(self._link_chars, len(text)), ancestors))

    def _is_chrome(self, node: LexborNode, tag: str) -> bool:
        attributes = node.attributes
        named = tag in CHROME_TAGS or attributes.get("role") in CHROME_ROLES
        if not named:
            words = _WORD_SPLIT.split(f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower())
            named = not CHROME_WORDS.isdisjoint(words)
        if not named or tag in ("html", "body", "main", "article"):
            return False
        # Some sites wrap the whole page in a "header-wrapper"; chrome never holds most of the text.
        return len(node.text(deep=True, separator="")) < 0.5 * self.page_chars


def link_density(block: Block) -> float:
    return block.link_chars / len(block.text) if block.text else 0.0
