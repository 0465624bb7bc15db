"""Real Japanese HTML for the extraction benchmark: seven Debian documentation packages.

Set-up: `apt-get download` each package into a cache folder and unpack it with `dpkg-deb -x`
(Scilab's help is a jar inside its package: unzipped). Nothing is committed; a second run reuses
the cache. The packages are fixed: other Japanese documentation packages are held out to judge
the extractor on sites it was never tuned on, so none is added here.

Each site has a reference rule, chosen by hand by reading its pages: the element that holds the
page's main text, minus the navigation inside it (prev/next bars, breadcrumbs, tables of
contents such as DocBook's div.toc and Sphinx's toctree, "¶" permalinks, index letter bars).
The rule lives only here, never in the extractor. The reference text is that element's visible
text with a line break at every block element, so words of neighbouring cells or paragraphs are
never glued together. A page whose main element is empty or mostly links (an index, a list of
cross-references) has no main text to find and is not scored.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tandem.crawl.text.decode import decode_body

# Pages are sampled evenly from a package's sorted pages (Scilab ships 2,700, most of them
# untranslated English, as on the real site).
MAX_PAGES_PER_SITE = 150
# A page whose reference holds fewer tokens, or whose reference is mostly link text, is a
# navigation page (an index, a search form, a list of cross-references) and is not scored: there
# is no main text to find on it.
MIN_REFERENCE_TOKENS = 30
MAX_REFERENCE_LINK_SHARE = 0.5

_DOCBOOK_NAVIGATION = (".navheader", ".navfooter", "div.toc", "div.list-of-tables", "div.list-of-figures",
                       "div.list-of-examples")


@dataclass(frozen=True)
class SiteRule:
    name: str
    package: str
    generator: str
    html_glob: str  # under the unpacked package (or the unzipped jar)
    main: tuple[str, ...]  # CSS selectors tried in order; the first match is the main element
    navigation: tuple[str, ...]  # CSS selectors removed from the main element
    jar: str | None = None  # the package ships its pages in this jar


SITES = (
    SiteRule("aptitude", "aptitude-doc-ja", "DocBook XSL, chunked XHTML 1.0",
             "usr/share/doc/aptitude/html/ja/*.html", ("body",), _DOCBOOK_NAVIGATION),
    SiteRule("debian-faq", "debian-faq-ja", "DocBook XSL, chunked XHTML 1.0",
             "usr/share/doc/debian/FAQ/ja/*.html", ("body",), _DOCBOOK_NAVIGATION),
    SiteRule("debian-policy", "debian-policy-ja", "Sphinx (HTML5)",
             "usr/share/doc/debian-policy/ja/policy.html/*.html", ('div[role="main"]', "div.body"),
             ("a.headerlink", "div.toctree-wrapper", "div.contents.topic", "nav.contents")),
    SiteRule("maint-guide", "maint-guide-ja", "DocBook XSL, chunked XHTML 1.1",
             "usr/share/doc/maint-guide-ja/html/*.html", ("body",), _DOCBOOK_NAVIGATION),
    SiteRule("debian-edu", "debian-edu-doc-ja", "DocBook XSL, one-page XHTML manual",
             "usr/share/doc/debian-edu-doc-ja/*.html", ("body",), _DOCBOOK_NAVIGATION),
    SiteRule("scilab", "scilab-doc-ja", "Scilab's XSLT help (HTML 4)",
             "scilab_ja_JP_help/*.html", ("body",), (".manualnavbar", "span.path"),
             jar="usr/share/scilab/modules/helptools/jar/scilab_ja_JP_help.jar"),
    SiteRule("jlha-javadoc", "libjlha-java-doc-ja", "Javadoc 11, Shift_JIS",
             "usr/share/doc/libjlha-java-doc-ja/api/**/*.html", ("main",),
             # the A-Z letter bar and the "All classes" links of the index pages
             ('div.contentContainer > a[href^="index-"]', 'div.contentContainer > a[href$="-index.html"]')),
)


@dataclass
class RealPage:
    site: str
    url: str
    body: bytes
    html: str  # decoded once, so that every extractor reads the same text
    reference: str


class PackagesUnavailable(RuntimeError):
    """The packages could not be fetched (no apt, no network): the benchmark skips this part."""


def fetch_packages(cache: Path) -> dict[str, Path]:
    """site name -> folder of its unpacked files; downloads what the cache lacks."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise PackagesUnavailable("apt-get and dpkg-deb are needed (a Debian or Ubuntu machine)")
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    roots = {}
    for rule in SITES:
        root = cache / "root" / rule.package
        if not (root / ".unpacked").exists():
            deb = _download(rule.package, debs)
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            if rule.jar:
                with zipfile.ZipFile(root / rule.jar) as jar:
                    jar.extractall(root)
            (root / ".unpacked").touch()
        roots[rule.name] = root
    return roots


def _download(package: str, folder: Path) -> Path:
    found = sorted(folder.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    result = subprocess.run(["apt-get", "download", package], cwd=folder, capture_output=True, text=True)
    found = sorted(folder.glob(f"{package}_*.deb"))
    if result.returncode != 0 or not found:
        why = (result.stderr.strip().splitlines() or ["no .deb was written"])[-1]
        raise PackagesUnavailable(f"apt-get download {package} failed: {why}")
    return found[-1]


def load_site(rule: SiteRule, root: Path, count_tokens: Callable[[str], int]) -> tuple[list[RealPage], int]:
    """The site's sampled pages with their references, and how many were navigation pages."""
    files = sorted(root.glob(rule.html_glob))
    step = max(1, len(files) / MAX_PAGES_PER_SITE)
    sample = [files[int(i * step)] for i in range(min(len(files), MAX_PAGES_PER_SITE))]
    pages, navigation_pages = [], 0
    for path in sample:
        body = path.read_bytes()
        html = decode_body(body, None)[0]
        reference, link_share = reference_text(html, rule)
        if count_tokens(reference) < MIN_REFERENCE_TOKENS or link_share > MAX_REFERENCE_LINK_SHARE:
            navigation_pages += 1
            continue
        relative = path.relative_to(root).as_posix()
        pages.append(RealPage(rule.name, f"http://{rule.name}.test/{relative}", body, html, reference))
    return pages, navigation_pages


def reference_text(html: str, rule: SiteRule) -> tuple[str, float]:
    """The page's reference main text, and the share of its characters inside links."""
    tree = LexborHTMLParser(html)
    main = next((node for node in (tree.css_first(s) for s in rule.main) if node is not None), None)
    if main is None:
        return "", 0.0
    for selector in rule.navigation:
        for node in main.css(selector):
            node.decompose()
    text = "\n".join(line.strip() for line in "".join(_visible_text(main)).split("\n") if line.strip())
    visible = len(re.sub(r"\s+", "", text))
    linked = sum(len(re.sub(r"\s+", "", link.text(deep=True) or "")) for link in main.css("a[href]"))
    return text, linked / visible if visible else 0.0


_SKIP = frozenset({"script", "style", "noscript", "template", "head", "-comment"})
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl",
                     "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
                     "h6", "header", "hr", "li", "main", "nav", "ol", "p", "section", "summary", "table",
                     "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br", "pre"})


def _visible_text(node: LexborNode) -> Iterator[str]:
    """Text with a newline around every block element; `<pre>` keeps its own line breaks."""
    stack: list[LexborNode | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        tag = item.tag or ""
        if tag == "-text":
            yield re.sub(r"\s+", " ", item.text_content or "")
        elif tag in _SKIP:
            continue
        elif tag == "pre":
            yield "\n" + (item.text(deep=True) or "") + "\n"
        else:
            children = list(item.iter(include_text=True))
            if tag in _BLOCKS:
                stack.append("\n")
            stack.extend(reversed(children))
            if tag in _BLOCKS:
                stack.append("\n")
