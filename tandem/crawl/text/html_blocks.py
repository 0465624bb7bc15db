"""Cut a page's visible text into blocks, skipping site chrome, in one pass over the DOM.

Blocks end at block-level tags and `<br>`; each block knows its link-text share, the tag of
the block element it sits in (`p`, `h2`, `td`, `dt`, `li`, `pre`, …) and the chain of enclosing
block elements (as serial numbers), which is what the extractor needs to find the main
container. Only an `<a>` with an `href` is a link: XHTML pages put `<a id="x"/>` anchors
everywhere, and text inside such an anchor is not link text; nor is text inside a link to the
block's own id (`<h2 id="usage"><a href="#usage">Usage</a></h2>`, a permalink anchor). A `<pre>` becomes one block per
line, indentation kept.

Chrome is skipped: `nav`, `header`, `footer`, `aside`, `menu`, ARIA landmarks, and
navigation-like elements (containers such as `div`, `ul`, `table`, `section`; not paragraphs,
headings or list items, nor inline elements inside prose) whose class or id
says navigation, menu, breadcrumb, sidebar, share, related, comment, … — matched against whole
class tokens, or their first or last hyphenated part (`global-nav`, `sidebar-left`), never
inside a word; ids match whole. Sphinx marks every cross-reference `<a class="reference">`:
that link is prose. A few class tokens mark inline chrome on any element (edit links, "¶"
permalinks). A header inside `main` or `article` is that text's own header (its title), as
HTML5 defines it. A chrome element that holds most of the page's text is not chrome (some sites
wrap everything in `<div class="header-wrap">`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
    # Generators' navigation: DocBook XSL's prev/next bars and tables of contents, MediaWiki's
    # navboxes, contents and category links, Javadoc's navigation bars.
    "navheader", "navfooter", "toc", "navbox", "catlinks", "printfooter", "noprint", "topnav", "bottomnav",
    "subnavlist", "navlist",
})
# Class tokens that mark chrome even on inline elements: edit-section links (MediaWiki) and the
# "¶" permalink after headings (Sphinx, MkDocs, many static-site generators).
INLINE_CHROME_CLASSES = ("mw-editsection", "editsection", "headerlink")
_INLINE_CHROME_SELECTOR = ", ".join(f".{name}" for name in INLINE_CHROME_CLASSES)
# Inline elements: their class names style prose (a cross-reference, a keyword); never chrome.
INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em",
                         "font", "i", "img", "ins", "kbd", "label", "mark", "q", "rp", "rt", "ruby", "s",
                         "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
                         "wbr"})
# Navigation-like elements: containers, whose class or id may name them chrome. A paragraph,
# a heading, a list item or a term is text whatever its class (DocBook's <p class="copyright">
# on a manual's title page).
NAVIGATION_LIKE_TAGS = frozenset({"div", "section", "ul", "ol", "dl", "table", "tbody", "thead", "tfoot", "tr",
                                  "td", "th", "form", "center", "fieldset", "details", "dialog", "figure"})
BLOCK_TAGS = frozenset({"address", "article", "blockquote", "body", "caption", "center", "dd", "details",
                        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2",
                        "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol", "p", "pre", "section",
                        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
                        "legend", "nav", "header", "footer", "aside"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Link kinds. A link to the id of the block it sits in (or of that block's parent) is the block's
# own anchor — `<h2 id="usage"><a href="#usage">Usage</a></h2>`, `<dt id="opt"><a href="#opt">`
# (mdBook, cargo's man pages, many static sites) — not navigation: its text is not link text.
NOT_LINK, LINK, SELF_ANCHOR = 0, 1, 2
# Deeper block elements count as part of their ancestor at this depth (bounds the work per block).
MAX_BLOCK_DEPTH = 200
_CLASS_PARTS = re.compile(r"[-_]")


@dataclass(slots=True)
class Block:
    text: str
    width: int  # display width: a full-width (Japanese) character counts 2
    link_chars: int  # display width of the text inside links
    ancestors: tuple[int, ...]  # serial numbers of the enclosing block elements, outermost first
    tag: str  # the innermost enclosing block element ("pre" for a line of preformatted text)


def chrome_nodes(root: LexborNode, page_chars: int) -> set[int]:
    """`mem_id`s of the elements to skip as site chrome (see the module's docstring)."""
    chrome = {node.mem_id for node in root.css(_INLINE_CHROME_SELECTOR)}
    for node in root.css("nav, header, footer, aside, menu, [role], [class], [id]"):
        tag = node.tag or ""
        if tag in INLINE_TAGS or tag in ("html", "body", "main", "article") or not _looks_like_chrome(node, tag):
            continue
        if _is_header(node, tag) and _inside_main(node):
            continue  # a header inside main or article heads that text (its title), as HTML5 says
        # Some sites wrap the whole page in a "header-wrapper"; chrome never holds most of the text.
        if len(node.text(deep=True, separator="")) < 0.5 * page_chars:
            chrome.add(node.mem_id)
    return chrome


def hidden_alternatives(root: LexborNode) -> set[int]:
    """`mem_id`s of the hidden variants to skip: where an element holds two hidden children or
    more (LibreOffice's help: `<span class="switchinline"><span hidden class="MAC">⌘+F9</span>
    <span hidden id="default…">Ctrl+F9</span>`), they are alternatives of which a script shows
    one; the text keeps one, the one marked default or else the first, never their glued text.
    A lone hidden element (a collapsed answer), and hidden elements beside a visible one (the
    other panels of tabs), are left as they are."""
    groups: dict[int, tuple[LexborNode, list[LexborNode]]] = {}
    for node in root.css("[hidden]"):
        parent = node.parent
        if parent is not None:
            groups.setdefault(parent.mem_id, (parent, []))[1].append(node)
    skipped: set[int] = set()
    for parent, variants in groups.values():
        if len(variants) < 2 or sum(1 for _ in parent.iter()) != len(variants):
            continue  # a visible sibling: tab panels, each its own text, not variants of one
        shown = next((v for v in variants if _is_default_variant(v)), variants[0])
        skipped.update(v.mem_id for v in variants if v is not shown)
    return skipped


def _is_default_variant(node: LexborNode) -> bool:
    attributes = node.attributes
    return "default" in f"{attributes.get('id') or ''} {attributes.get('class') or ''}".lower()


def _looks_like_chrome(node: LexborNode, tag: str) -> bool:
    """For a navigation-like (not inline) element."""
    attributes = node.attributes
    classes = (attributes.get("class") or "").lower().split()
    if tag in CHROME_TAGS or attributes.get("role") in CHROME_ROLES:
        return True
    if tag not in NAVIGATION_LIKE_TAGS:
        return False
    if any(_is_chrome_token(token) for token in classes):
        return True
    # Ids match whole only, and not on sections: generators derive those from the heading's
    # text (Sphinx's <section id="copyright-considerations">, <section id="search">).
    return tag not in ("section", "article") and (attributes.get("id") or "").lower() in CHROME_WORDS


def _is_header(node: LexborNode, tag: str) -> bool:
    return tag == "header" or "header" in (node.attributes.get("class") or "").lower().split()


def _inside_main(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("main", "article"):
            return True
        parent = parent.parent
    return False


def _is_chrome_token(token: str) -> bool:
    if token in CHROME_WORDS:
        return True
    parts = _CLASS_PARTS.split(token)
    return len(parts) > 1 and (parts[0] in CHROME_WORDS or parts[-1] in CHROME_WORDS)


class BlockWalker:
    """Cuts the visible text into blocks, skipping the given chrome elements."""

    def __init__(self, chrome: set[int]) -> None:
        self.chrome = chrome
        self.blocks: list[Block] = []
        self.elements: list[LexborNode] = []  # the block elements, by serial number
        self._stack: list[int] = []
        self._tags: list[str] = []
        self._parts: list[str] = []
        self._link_chars = 0

    def walk_root(self, root: LexborNode) -> None:
        """Depth-first over the DOM with an explicit stack: broken pages nest thousands deep."""
        self._open(root, root.tag or "body")
        chrome, parts, stack = self.chrome, self._parts, self._stack
        # [next child to visit, inside which kind of link, this level opened a block]; sibling
        # pointers rather than iterators: faster on real pages.
        frames: list[list[Any]] = [[root.first_child, NOT_LINK, False]]
        while frames:
            frame = frames[-1]
            child = frame[0]
            if child is None:
                frames.pop()
                if frame[2]:
                    if parts:
                        self._flush()
                    stack.pop()
                    self._tags.pop()
                continue
            frame[0] = child.next
            tag = child.tag or ""
            if tag == "-text":
                text = child.text_content or ""
                if not parts and text.isspace():
                    continue  # indentation between blocks: nothing to flush later
                parts.append(text)
                if frame[1] == LINK:
                    self._link_chars += display_width(text.strip())
            elif tag in SKIP_TAGS or child.mem_id in chrome:
                continue
            elif tag in BLOCK_TAGS:
                if parts:
                    self._flush()
                if tag == "br":
                    continue
                if tag == "pre":
                    self._open(child, tag)
                    self._add_preformatted(child.text(deep=True) or "")
                    stack.pop()
                    self._tags.pop()
                    continue
                opens = len(stack) < MAX_BLOCK_DEPTH
                if opens:
                    self._open(child, tag)
                frames.append([child.first_child, frame[1], opens])
            else:
                in_link = frame[1]
                link = in_link or (self._link_kind(child.attributes.get("href")) if tag == "a" else NOT_LINK)
                frames.append([child.first_child, link, False])
        if parts:
            self._flush()
        stack.pop()
        self._tags.pop()

    def _link_kind(self, href: str | None) -> int:
        if not href:
            return NOT_LINK
        if href.startswith("#") and href[1:] in self._enclosing_ids():
            return SELF_ANCHOR
        return LINK

    def _enclosing_ids(self) -> set[str]:
        """Ids of the block element the text is in and of its parent block (a heading's id sits
        on the heading or on its section)."""
        return {self.elements[serial].attributes.get("id") or "" for serial in self._stack[-2:]}

    def _open(self, node: LexborNode, tag: str) -> None:
        self._stack.append(len(self.elements))
        self.elements.append(node)
        self._tags.append(tag)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            width = display_width(text)
            self.blocks.append(Block(text, width, min(self._link_chars, width), tuple(self._stack), self._tags[-1]))
        self._parts.clear()
        self._link_chars = 0

    def _add_preformatted(self, text: str) -> None:
        """One block per line, indentation kept (tabs as the page wrote them), blank lines left out."""
        ancestors = tuple(self._stack)
        for line in text.split("\n"):
            line = line.rstrip()
            if line:
                self.blocks.append(Block(line, display_width(line), 0, ancestors, "pre"))


def display_width(text: str) -> int:
    """Characters, with each non-ASCII character (in practice: a full-width one) counted twice.
    Lengths and link shares are measured so: "Kernel Handbook で保守されています" is not a link
    list because its link has more letters than the Japanese around it."""
    return 2 * len(text) - len(text.encode("ascii", errors="ignore"))


def link_density(block: Block) -> float:
    return block.link_chars / block.width if block.width else 0.0
