"""The compiled DOM passes (tandem/crawl/text/native/, module _dom): built by the install, used by the
extractor, and exactly the Python walk's output; a compiled walk that is not is never used."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from types import ModuleType
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from tandem.crawl.text import native_walk
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.native_walk import compiled_walk

BLOCKS = ["div", "p", "li", "ul", "td", "tr", "table", "section", "article", "main", "dl", "dt", "dd", "h2", "pre",
          "blockquote", "nav", "header", "footer", "aside", "form", "center", "figure", "br"]
INLINE = ["span", "b", "code", "em", "a", "a", "a", "font", "x-custom", "svg", "script", "template", "button"]
CLASSES = ["", "", "nav", "menu", "sidebar-left", "global-nav", "content", "headerlink", "HeaderLink", "mw-editsection",
           "toc", "header", "default x", "reference", "entry-header"]
IDS = ["", "", "usage", "nav", "menu", "footer", "search", "main", "default_1"]
HREFS = ["#usage", "#", "#x", "/p.html", "../q.html", "", "javascript:x", "#main"]
TEXTS = ["これはテスト文章です。", "foo", " ", "\n  ", "bar  baz", "¶", "\u3000全角\u3000", "\xa0nbsp\xa0", "a\u2028b",
         "長い日本語の文章が続きます。本文として十分な長さがあります。", "x" * 30, "&amp;&#xD800;&#0;", "\r\n\t",
         "\u200b", "<!-- c -->", "<br>", '<a id="x"/>', "\U0001f600 絵文字"]


def random_page(rng: random.Random) -> str:
    body = "".join(random_node(rng, 0) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.05:  # deeper than the walk opens blocks
        body = "<div>" * 250 + body + "</div>" * 250
    doctype = rng.choice(["<!DOCTYPE html>", ""])  # quirks mode or not: class selectors' case
    return f"{doctype}<html><head><title>T</title></head><body>{body}</body></html>"


def random_node(rng: random.Random, depth: int) -> str:
    draw = rng.random()
    if depth > 6 or draw < 0.4:
        return rng.choice(TEXTS)
    tag = rng.choice(INLINE if draw < 0.6 else BLOCKS)
    attributes = [f'{name}="{value}"' for name, value in (("class", rng.choice(CLASSES)), ("id", rng.choice(IDS)))
                  if value]
    if tag == "a" and rng.random() < 0.8:
        attributes.append(f'href="{rng.choice(HREFS)}"')
    if rng.random() < 0.1:
        attributes.append("hidden")
    if rng.random() < 0.05:
        attributes.append(f'role="{rng.choice(["navigation", "main", "banner", "search"])}"')
    children = "".join(random_node(rng, depth + 1) for _ in range(rng.randint(0, 5)))
    return f"<{' '.join([tag, *attributes])}>{children}</{tag}>"


def walked(html: str, compiled: ModuleType | None, remove_chrome: bool) -> tuple[Any, ...]:
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    assert root is not None and tree.root is not None
    hrefs = (native_walk._python_hrefs(tree.root) if compiled is None
             else compiled.hrefs(tree.root.mem_id, native_walk._ANCHOR_ID))
    page = (native_walk._python_page(root, remove_chrome) if compiled is None
            else native_walk._compiled_page(compiled, root, remove_chrome))
    return page.blocks, page.tags, [page.class_of(serial) for serial in range(len(page.tags))], hrefs


def test_the_install_builds_the_compiled_walk_and_it_proves_itself() -> None:
    if sys.implementation.name != "cpython" or not sys.platform.startswith("linux"):
        pytest.skip("the compiled walk is built and checked on CPython on Linux")
    assert compiled_walk() is not None


@pytest.mark.parametrize("remove_chrome", [True, False])
def test_compiled_and_python_walks_give_the_same_blocks_on_tag_soup(remove_chrome: bool) -> None:
    compiled = compiled_walk()
    if compiled is None:
        pytest.skip("no compiled walk on this platform")
    rng = random.Random(7)
    for _ in range(400):
        html = random_page(rng)
        assert walked(html, compiled, remove_chrome) == walked(html, None, remove_chrome), html


def test_the_compiled_walk_needs_no_recursion_on_pages_nested_thousands_deep() -> None:
    compiled = compiled_walk()
    if compiled is None:
        pytest.skip("no compiled walk on this platform")
    html = "<div><p>段落" * 5000 + "</p></div>" * 5000 + "<ul>" + "<li><a href=/x>項目</a>" * 3000
    assert walked(html, compiled, True) == walked(html, None, True)


def test_every_unicode_space_is_collapsed_as_str_split_collapses_it() -> None:
    """The compiled walk collapses whitespace on UTF-8 bytes: each character that str.isspace()
    calls a space, and none of its look-alikes (zero-width space, Mongolian vowel separator,
    BOM, word joiner, ideographic comma)."""
    compiled = compiled_walk()
    if compiled is None:
        pytest.skip("no compiled walk on this platform")
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert len(spaces) == 29
    characters = [*spaces, "\u200b", "\u180e", "\ufeff", "\u2060", "\u3001", "\u2009\u3000"]
    html = "".join(f"<p>{c}a{c}{c}b{c}</p><p>x<a href=/y>{c}リンク{c}</a>{c}</p><p>{c}</p>" for c in characters)
    python_page = walked(html, None, True)
    assert walked(html, compiled, True) == python_page
    assert ("a b", 3) in [(block.text, block.width) for block in python_page[0]]


def test_extraction_is_the_same_with_and_without_the_compiled_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    pages = [random_page(rng) for _ in range(60)]

    def extract_all() -> list[tuple[str, str, list[str]]]:
        extractor = Extractor(ExtractSettings())
        extracted = [extractor.extract(html, "http://h.test/a/b.html") for html in pages]
        return [(page.title, page.text, page.links) for page in extracted]

    with_compiled = extract_all()
    monkeypatch.setattr(native_walk, "compiled_walk", lambda: None)
    assert extract_all() == with_compiled
    assert any(text for _, text, _ in with_compiled) and any(links for _, _, links in with_compiled)


class Tampered:
    """The compiled module with one function changed: what a walk built against another lexbor
    (its structures laid out otherwise) would look like to the probe."""

    def __init__(self, compiled: ModuleType, **replaced: Any) -> None:
        self._compiled = compiled
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compiled, name)


@pytest.mark.parametrize("tampering", ["text offset", "blocks", "chrome", "hrefs"])
def test_a_compiled_walk_that_differs_from_the_python_walk_is_not_used(tampering: str) -> None:
    compiled = compiled_walk()
    if compiled is None:
        pytest.skip("no compiled walk on this platform")
    assert native_walk._proves_itself(compiled)
    if tampering == "text offset":
        tampered = Tampered(compiled, length_at=lambda address: compiled.length_at(address) + 1)
    elif tampering == "blocks":
        tampered = Tampered(compiled, walk=lambda *args: (lambda b, a, t: (b[:-1], a, t))(*compiled.walk(*args)))
    elif tampering == "chrome":
        tampered = Tampered(compiled, chrome_candidates=lambda root, flags: [])
    else:
        tampered = Tampered(compiled, hrefs=lambda root, anchor: compiled.hrefs(root, anchor)[1:])
    assert not native_walk._proves_itself(tampered)  # type: ignore[arg-type]


def test_threads_that_start_extracting_at_once_load_the_compiled_passes_once() -> None:
    """configure() sets tables that walks in other threads read: it runs once per process, and a
    second configure is refused rather than freeing tables under a running walk."""
    if compiled_walk() is None:
        pytest.skip("no compiled walk on this platform")
    script = textwrap.dedent("""
        import threading
        from tandem.crawl.text import native_walk
        from tandem.crawl.text.extract import Extractor, ExtractSettings
        start, found = threading.Barrier(8), []
        def extract():
            start.wait()
            found.append(native_walk.compiled_walk())
            Extractor(ExtractSettings()).extract(native_walk.PROBE_PAGE, "http://h.test/")
        threads = [threading.Thread(target=extract) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(found) == 8 and found[0] is not None and all(module is found[0] for module in found)
        try:
            found[0].configure("x", 96, b"", [], 1, 200, object)
        except RuntimeError as error:
            print(error)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_dom: configured already"
