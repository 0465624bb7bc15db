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
import threading
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborCSSSelector, LexborNode, create_tag

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
_HIDDEN_OR_INLINE_CHROME = f"[hidden], {_INLINE_CHROME_SELECTOR}"
_INLINE_CHROME_WORDS = ("editsection", "headerlink")  # in every one of INLINE_CHROME_CLASSES
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
# An element holding this share of the page's text or more is not chrome, whatever its name.
MAX_CHROME_TEXT_SHARE = 0.5


@dataclass(slots=True)
class Block:
    text: str
    width: int  # display width: a full-width (Japanese) character counts 2
    link_chars: int  # display width of the text inside links
    ancestors: tuple[int, ...]  # serial numbers of the enclosing block elements, outermost first
    tag: str  # the innermost enclosing block element ("pre" for a line of preformatted text)


_ENGINES = threading.local()


def css(node: LexborNode, query: str) -> list[LexborNode]:
    """`node.css(query)`, on one CSS engine per thread for every page: a parser makes its own on
    its first query, which costs as much as a query over a whole page."""
    engine: LexborCSSSelector | None = getattr(_ENGINES, "engine", None)
    if engine is None:
        engine = _ENGINES.engine = LexborCSSSelector()
    return engine.find(query, node)


def tag_ids(names: frozenset[str]) -> frozenset[int]:
    """lexbor's ids of these tags: known tags have fixed ids (an unknown one gets a per-document
    id, far above them), and an id is an integer where a tag's name is a new string each time."""
    return frozenset(create_tag(name).tag_id for name in names)


NEVER_CHROME_TAGS = INLINE_TAGS | {"html", "body", "main", "article"}
_NEVER_CHROME_IDS = tag_ids(NEVER_CHROME_TAGS)
_CHROME_CANDIDATES = "nav, header, footer, aside, menu, [role], [class], [id]"


def skipped_elements(root: LexborNode, remove_chrome: bool) -> dict[int, LexborNode]:
    """The elements the walk skips, by `mem_id`: site chrome (when `remove_chrome`) and hidden
    alternatives."""
    hidden, inline_chrome = hidden_and_inline_chrome(root)
    skipped = chrome_nodes(root, inline_chrome) if remove_chrome else {}
    skipped.update(hidden_alternatives(hidden))
    return skipped


def hidden_and_inline_chrome(root: LexborNode) -> tuple[list[LexborNode], list[LexborNode]]:
    """The page's hidden elements, and its inline chrome (INLINE_CHROME_CLASSES). One query finds
    both (a query walks the whole page): what is not hidden there is inline chrome; a hidden
    element whose class may name inline chrome as well sends for the query of inline chrome alone."""
    hidden: list[LexborNode] = []
    inline_chrome: list[LexborNode] = []
    hidden_with_chrome_class = False
    found: set[int] = set()
    for node in css(root, _HIDDEN_OR_INLINE_CHROME):
        if node.mem_id in found:
            continue  # lexbor reports a node once per selector of the list that it matches
        found.add(node.mem_id)
        attributes = node.attributes
        if "hidden" not in attributes:
            inline_chrome.append(node)
            continue
        hidden.append(node)
        classes = (attributes.get("class") or "").lower()  # the class selectors match so, or exactly
        hidden_with_chrome_class |= any(word in classes for word in _INLINE_CHROME_WORDS)
    if hidden_with_chrome_class:
        inline_chrome = css(root, _INLINE_CHROME_SELECTOR)
    return hidden, inline_chrome


def chrome_nodes(root: LexborNode, inline_chrome: list[LexborNode]) -> dict[int, LexborNode]:
    """The elements to skip as site chrome, by `mem_id` (see the module's docstring), given
    those matching INLINE_CHROME_CLASSES."""
    chrome = {node.mem_id: node for node in inline_chrome}
    page_chars = -1
    for node in css(root, _CHROME_CANDIDATES):
        if node.tag_id in _NEVER_CHROME_IDS:  # most candidates: inline elements with a class
            continue
        tag = node.tag or ""
        attributes = node.attributes
        classes = attributes.get("class")
        if not looks_like_chrome(tag, attributes.get("role"), classes, attributes.get("id")):
            continue
        if is_header(tag, classes) and _inside_main(node):
            continue  # a header inside main or article heads that text (its title), as HTML5 says
        # Some sites wrap the whole page in a "header-wrapper"; chrome never holds most of the text.
        if page_chars < 0:
            page_chars = len(root.text(deep=True, separator=""))
        if len(node.text(deep=True, separator="")) < MAX_CHROME_TEXT_SHARE * page_chars:
            chrome[node.mem_id] = node
    return chrome


def hidden_alternatives(hidden: list[LexborNode]) -> dict[int, LexborNode]:
    """Of the page's `hidden` elements, the variants to skip, by `mem_id`: where an element
    holds two hidden children or more (LibreOffice's help: `<span class="switchinline"><span
    hidden class="MAC">⌘+F9</span><span hidden id="default…">Ctrl+F9</span>`), they are
    alternatives of which a script shows one; the text keeps one, the one marked default or
    else the first, never their glued text. A lone hidden element (a collapsed answer), and
    hidden elements beside a visible one (the other panels of tabs), are left as they are."""
    groups: dict[int, tuple[LexborNode, list[LexborNode]]] = {}
    for node in hidden:
        parent = node.parent
        if parent is not None:
            groups.setdefault(parent.mem_id, (parent, []))[1].append(node)
    skipped: dict[int, LexborNode] = {}
    for parent, variants in groups.values():
        if len(variants) < 2 or sum(1 for _ in parent.iter()) != len(variants):
            continue  # a visible sibling: tab panels, each its own text, not variants of one
        shown = next((v for v in variants if _is_default_variant(v)), variants[0])
        skipped.update((v.mem_id, v) for v in variants if v is not shown)
    return skipped


def _is_default_variant(node: LexborNode) -> bool:
    attributes = node.attributes
    return "default" in f"{attributes.get('id') or ''} {attributes.get('class') or ''}".lower()


def looks_like_chrome(tag: str, role: str | None, classes: str | None, element_id: str | None) -> bool:
    """For a navigation-like (not inline) element, by its tag and attributes."""
    if tag in CHROME_TAGS or role in CHROME_ROLES:
        return True
    if tag not in NAVIGATION_LIKE_TAGS:
        return False
    if _has_chrome_token(classes or ""):
        return True
    # Ids match whole only, and not on sections: generators derive those from the heading's
    # text (Sphinx's <section id="copyright-considerations">, <section id="search">).
    return tag not in ("section", "article") and (element_id or "").lower() in CHROME_WORDS


@lru_cache(maxsize=4096)
def _has_chrome_token(classes: str) -> bool:
    """A page's elements, and a site's pages, repeat a few class attributes: each is read once."""
    return any(_is_chrome_token(token) for token in classes.lower().split())


def is_header(tag: str, classes: str | None) -> bool:
    return tag == "header" or "header" in (classes or "").lower().split()


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


def display_width(text: str) -> int:
    """Characters, with each non-ASCII character (in practice: a full-width one) counted twice.
    Lengths and link shares are measured so: "Kernel Handbook で保守されています" is not a link
    list because its link has more letters than the Japanese around it."""
    return 2 * len(text) - len(text.encode("ascii", errors="ignore"))
