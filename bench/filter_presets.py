"""What each quality-filter preset keeps of real pages, and what junk it lets through.

Real pages go through tandem's whole page analysis (decode, extract, normalise, filters), as in
a crawl. Junk is of two sources:
- the demo site's junk pages (link lists, katakana catalogues, too short, repetitive, NG-word
  spam, English), as HTML through the same analysis;
- junk cut from the real pages: each site's navigation alone (everything its reference rule
  leaves out, ten pages of it joined into one document), its code alone (every <pre> of ten
  pages joined), its English pages (reference under 5% Japanese), and keyword spam (NG words
  stuffed into a real page's text).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from debian_ja_sites import SITES, RealPage
from selectolax.lexbor import LexborHTMLParser

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.crawl.text.quality import PRESETS, QualitySettings
from tandem.demosite.site import generate_site

DEMO_JUNK_KINDS = ("link_list", "katakana_heavy", "too_short", "repetitive", "ng_words", "english")
JOINED_PAGES = 10
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u3400-\u9fff]")


@dataclass
class Junk:
    kind: str
    html: bytes | None = None
    text: str | None = None


def analyzers() -> dict[str, PageAnalyzer]:
    ng_words = load_ng_words(None)
    return {preset: PageAnalyzer(ExtractSettings(), QualitySettings(preset=preset), ng_words) for preset in PRESETS}


def is_japanese_page(page: RealPage) -> bool:
    """Its main text is Japanese: 400 Japanese letters or more (Swallow's minimum), and at least
    30% of its visible characters (the packages are partly untranslated)."""
    letters = len(_JAPANESE.findall(page.reference))
    return letters >= 400 and letters >= 0.3 * len("".join(page.reference.split()))


def keep_rates(real: dict[str, list[RealPage]]) -> None:
    """Per site and preset: pages kept (of all, and of the Japanese ones), the top drop reasons."""
    print("\nquality presets on the real pages (decode, extract, normalise, filters): kept of all pages, "
          "kept of the Japanese pages (main text >= 400 Japanese letters and >= 30% Japanese)")
    print(f"  {'site':14} {'pages':>5} {'ja':>4}  " + "  ".join(f"{p:>9} {'ja':>7}  {'top drops':44}" for p in PRESETS))
    for site, pages in real.items():
        japanese = [is_japanese_page(page) for page in pages]
        cells = []
        removed = []
        for preset, analyzer in analyzers().items():
            analyses = [analyzer.analyse_html(p.body, None, p.url) for p in pages]
            verdicts = [a.drop_reason or "kept" for a in analyses]
            lines = sum(a.text.count("\n") + 1 for a in analyses)
            junk_lines = analyzer.stats.lines_removed
            reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(junk_lines.items())) or "none"
            removed.append(f"{preset}: {reasons} (of {lines + sum(junk_lines.values())} lines)")
            kept_japanese = sum(v == "kept" for v, ja in zip(verdicts, japanese, strict=True) if ja)
            reasons = Counter(verdicts)
            kept = reasons.pop("kept", 0)
            top = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common(3))
            cells.append(f"{kept:>9} {kept_japanese:>3}/{sum(japanese):<3}  {top:44}")
        print(f"  {site:14} {len(pages):5} {sum(japanese):4}  " + "  ".join(cells))
        print(f"  {'':14} lines removed by the line rules, by reason: " + "; ".join(removed))


def junk_from_real_pages(real: dict[str, list[RealPage]], seed: int = 0) -> list[Junk]:
    rng = random.Random(seed)
    ng_words = load_ng_words(None)
    junk: list[Junk] = []
    for site, pages in real.items():
        rule = next(r for r in SITES if r.name == site)
        for start in range(0, min(len(pages), 5 * JOINED_PAGES), JOINED_PAGES):
            group = pages[start:start + JOINED_PAGES]
            navigation = "\n".join(_navigation_text(page.html, rule.main, rule.navigation) for page in group)
            junk.append(Junk("navigation only", text=navigation))
            code = "\n".join(node.text(deep=True) for page in group for node in LexborHTMLParser(page.html).css("pre"))
            if code.strip():
                junk.append(Junk("code only", text=code))
        for page in pages:
            if len(_JAPANESE.findall(page.reference)) < 0.05 * len(page.reference):
                junk.append(Junk("English page", html=page.body))
        for page in rng.sample(pages, min(5, len(pages))):
            lines = page.reference.split("\n")
            stuffed = [line + "".join(rng.sample(ng_words, 3)) for line in lines]
            junk.append(Junk("NG-word spam", text="\n".join(stuffed)))
    return junk


def demo_junk(folder: Path, pages: int = 600) -> list[Junk]:
    manifest = generate_site(folder, pages, seed=1)
    junk = []
    for record in manifest.pages:
        if record.kind in DEMO_JUNK_KINDS:
            body = (folder / record.path.lstrip("/")).read_bytes()
            junk.append(Junk(f"demo {record.kind}", html=body))
    return junk


def junk_table(junk: list[Junk]) -> None:
    print("\njunk let through (kept / documents; every preset should keep none)")
    print(f"  {'junk':24} {'docs':>5}  " + "  ".join(f"{p + ' kept':>14}" for p in PRESETS))
    kinds = list(dict.fromkeys(j.kind for j in junk))
    kept: dict[tuple[str, str], int] = Counter()
    for preset, analyzer in analyzers().items():
        for number, item in enumerate(junk):
            url = f"http://junk{number}.test/page.html"  # a host each: no repeated-line learning across junk
            if item.html is not None:
                analysis = analyzer.analyse_html(item.html, None, url)
            else:
                analysis = analyzer.analyse_text(item.text or "")
            kept[(item.kind, preset)] += analysis.drop_reason is None
    for kind in kinds:
        count = sum(1 for j in junk if j.kind == kind)
        print(f"  {kind:24} {count:5}  " + "  ".join(f"{kept[(kind, p)]:>14}" for p in PRESETS))


def _navigation_text(html: str, main: tuple[str, ...], navigation: tuple[str, ...]) -> str:
    """Everything of the page but its main text: the removed navigation, and what is outside main."""
    tree = LexborHTMLParser(html)
    if tree.body is None:
        return ""
    parts = [node.text(separator="\n") for selector in navigation for node in tree.body.css(selector)]
    main_node = next((node for node in (tree.css_first(s) for s in main) if node is not None), None)
    if main_node is not None and main_node.tag != "body":
        main_node.decompose()
        parts.append(tree.body.text(separator="\n"))
    return "\n".join(line.strip() for part in parts for line in part.split("\n") if line.strip())

