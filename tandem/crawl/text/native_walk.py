"""The DOM passes compiled (native/, module _dom), where they build and prove themselves; else Python.

`walk_page` gives the same `WalkedPage` either way, and `page_hrefs` the same hrefs. The compiled
passes (the block walk, the chrome candidates, the hrefs) read selectolax's lexbor tree through
lexbor's functions, looked up in selectolax's own extension, and a text node's data at the offset
lexbor's structures put it (lexbor has no function that returns it without a copy). So before
they are used, once per process: that offset must read a probe text node back, and the compiled
passes must give exactly what the Python ones give on probe pages that hold every kind of node
the walk tells apart. Otherwise (another selectolax, another platform, no compiler at install
time) the Python passes run, with the same output at about half the speed.
"""

from __future__ import annotations

import threading
from types import ModuleType

import selectolax.lexbor
from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag

from tandem.crawl.text.block_walker import BLOCK_NAMES, KINDS, TEXT_ID, WalkedPage, python_walk
from tandem.crawl.text.html_blocks import (
    CHROME_TAGS,
    MAX_BLOCK_DEPTH,
    MAX_CHROME_TEXT_SHARE,
    NAVIGATION_LIKE_TAGS,
    NEVER_CHROME_TAGS,
    Block,
    css,
    hidden_alternatives,
    hidden_and_inline_chrome,
    is_header,
    looks_like_chrome,
    skipped_elements,
)

# Where lexbor's text node keeps its data: after the node's own fields (lxb_dom_node_t: an event
# target pointer, three name ids, the owner document, five links, a user pointer, the node type).
TEXT_DATA_OFFSET = 96
_OFFSET_PROBE = "<p>offset probe: thirty-seven letters</p>"
# Every kind of node the walk tells apart: blocks in blocks, inline elements, links (to
# elsewhere, to the block's own id, to its parent's id, without href), chrome and hidden
# variants skipped, a <pre> with chrome inside, <br>, comments, scripts, blank and Unicode
# spaces, Japanese text, classes.
PROBE_PAGE = """<html><body class="page">
<nav><a href="/">ホーム</a> <a href="/docs">文書</a></nav>
<div class="content main"><h2 id="usage"><a href="#usage">Usage</a> 使い方</h2>
  <p>これは <b>テスト</b> の文章です。<a href="other.html">リンク</a>と<a href="#">空</a><a>名前</a>。</p>
  <section id="s1"><p>段落<a href="#s1">節</a>の中\u3000全角空白\u00a0と<br>改行<!-- c --></p>
  <ul class="list"><li><a href="/a">項目A</a></li><li>項目 <span hidden>B1</span><span hidden>B2</span></li></ul>
  <pre class="code">  line one <span class="headerlink">¶</span>
\tline two  \n\n<b>bold</b>\u3000</pre></section>
  <script>var x = "no";</script><table><tr><td>セル</td><td><a href="/x">リンクのセル</a></td></tr></table>
  text  right   inside <i>the div</i>
</div><footer>Copyright</footer>   \n </body></html>"""
# Chrome by each rule: tag, role, class token, id; a header inside an article (its title) and a
# chrome-named wrapper of most of the text, both kept.
CHROME_PAGE = """<div class="header-wrap"><div id="menu"><a href="/">トップ</a></div>
<article><header class="entry-header"><h1>題名</h1></header><p role="navigation">前へ 次へ</p>
<section id="search"><p>検索について説明する本文です。長い文章がここに続きます。</p></section>
<div class="sidebar-left"><p>サイドバー</p></div><table><tr><td class="navi">ナビ</td><td>本文のセル</td></tr></table>
<p>本文の最後の段落です。<span class="headerlink">¶</span><x-box role="banner">バナー</x-box></p></article></div>"""
# Every character str.isspace() calls a space, between letters and doubled (collapsed on UTF-8 bytes).
SPACES_PAGE = "<p>" + "".join(f"{chr(code)}x{chr(code) * 2}" for code in range(0x3001) if chr(code).isspace()) + "</p>"
PROBE_PAGES = (PROBE_PAGE, CHROME_PAGE, SPACES_PAGE, "", "<p>x", "<pre></pre>", "<a href=#>y</a>",
               "<main><header>見出し</header></main>")


def _tag_flags() -> tuple[bytes, dict[int, str]]:
    """chrome_candidates' table (its flags by tag id, as native/dom_scans.c numbers them), and the
    names of the tags the chrome rule looks at, by id."""
    named = CHROME_TAGS | NAVIGATION_LIKE_TAGS | NEVER_CHROME_TAGS
    names = {create_tag(name).tag_id: name for name in named}
    flags = bytearray(max(names) + 1)
    for tag_id, name in names.items():
        flags[tag_id] = ((name in NEVER_CHROME_TAGS) | (name in CHROME_TAGS) << 1 | (name in NAVIGATION_LIKE_TAGS) << 2
                         | (name in ("main", "article")) << 3)
    return bytes(flags), names


_TAG_FLAGS, _TAG_NAMES = _tag_flags()
_ANCHOR_ID = create_tag("a").tag_id


_NOT_LOADED = object()
_loaded: object = _NOT_LOADED
_loading = threading.Lock()


def compiled_walk() -> ModuleType | None:
    """The configured compiled passes, or None where they are missing or do not prove
    themselves. Loaded once per process, under a lock: configure() sets the tables that a walk
    in another thread reads."""
    global _loaded
    if _loaded is _NOT_LOADED:
        with _loading:
            if _loaded is _NOT_LOADED:
                _loaded = _load()
    return _loaded  # type: ignore[return-value]


def _load() -> ModuleType | None:
    try:
        from tandem.crawl.text import _dom  # type: ignore[attr-defined]
    except ImportError:
        return None
    kinds = bytes(KINDS.get(tag_id, 0) for tag_id in range(max(KINDS) + 1))
    names = [BLOCK_NAMES.get(tag_id) for tag_id in range(len(kinds))]
    try:
        _dom.configure(selectolax.lexbor.__file__, TEXT_DATA_OFFSET, kinds, names, TEXT_ID, MAX_BLOCK_DEPTH, Block)
    except ImportError:
        return None
    return _dom if _proves_itself(_dom) else None


def walk_page(root: LexborNode, remove_chrome: bool) -> WalkedPage:
    """The page's blocks, skipping chrome (when `remove_chrome`) and hidden alternatives
    (html_blocks.skipped_elements): compiled where it proved itself, else in Python. The walk may
    take the skipped elements out of the tree (the Python walk does)."""
    compiled = compiled_walk()
    if compiled is None:
        return _python_page(root, remove_chrome)
    return _compiled_page(compiled, root, remove_chrome)


def page_hrefs(tree: LexborHTMLParser) -> list[str]:
    """The non-empty href of each `<a>` of the page, in document order (as `a[href]` finds them)."""
    root = tree.root
    if root is None:
        return []
    compiled = compiled_walk()
    if compiled is None:
        return _python_hrefs(root)
    return compiled.hrefs(root.mem_id, _ANCHOR_ID)  # type: ignore[no-any-return]


def _python_hrefs(root: LexborNode) -> list[str]:
    return [href for node in css(root, "a[href]") if (href := node.attributes.get("href"))]


def _python_page(root: LexborNode, remove_chrome: bool) -> WalkedPage:
    return python_walk(root, skipped_elements(root, remove_chrome).values())


def _compiled_page(compiled: ModuleType, root: LexborNode, remove_chrome: bool) -> WalkedPage:
    hidden, inline_chrome = hidden_and_inline_chrome(root)
    skipped = [*hidden_alternatives(hidden)]
    if remove_chrome:
        skipped += [node.mem_id for node in inline_chrome]
        skipped += _compiled_chrome(compiled, root.mem_id)
    blocks, addresses, tags = compiled.walk(root.mem_id, skipped, root.tag or "body")
    attribute = compiled.attribute
    return WalkedPage(blocks, tags, lambda serial: attribute(addresses[serial], "class"))


def _compiled_chrome(compiled: ModuleType, root: int) -> list[int]:
    """html_blocks.chrome_nodes (less the inline chrome), on the candidates the compiled pass
    finds with their attributes: no Python object per element."""
    chrome = []
    page_chars = -1
    for address, tag_id, role, classes, element_id, inside_main in compiled.chrome_candidates(root, _TAG_FLAGS):
        tag = _TAG_NAMES.get(tag_id, "")
        if not looks_like_chrome(tag, role, classes, element_id):
            continue
        if is_header(tag, classes) and inside_main:
            continue
        if page_chars < 0:
            page_chars = compiled.text_length(root)
        if compiled.text_length(address) < MAX_CHROME_TEXT_SHARE * page_chars:
            chrome.append(address)
    return chrome


def _proves_itself(compiled: ModuleType) -> bool:
    probe = LexborHTMLParser(_OFFSET_PROBE)
    text = probe.css_first("p")
    assert text is not None and text.first_child is not None
    expected = (text.first_child.text_content or "").encode()
    if compiled.length_at(text.first_child.mem_id) != len(expected):  # before any pointer is followed
        return False
    if compiled.text_at(text.first_child.mem_id) != expected:
        return False
    return all(_same_walk(compiled, page, remove_chrome) for page in PROBE_PAGES for remove_chrome in (True, False))


def _same_walk(compiled: ModuleType, html: str, remove_chrome: bool) -> bool:
    pages = []
    for walk in (_python_page, lambda root, remove: _compiled_page(compiled, root, remove)):
        tree = LexborHTMLParser(html)
        root = tree.body or tree.root
        assert root is not None and tree.root is not None
        hrefs = _python_hrefs(tree.root) if walk is _python_page else compiled.hrefs(tree.root.mem_id, _ANCHOR_ID)
        page = walk(root, remove_chrome)  # after the hrefs: the Python walk unlinks what it skips
        pages.append((page.blocks, page.tags, [page.class_of(serial) for serial in range(len(page.tags))], hrefs))
    return pages[0] == pages[1]
