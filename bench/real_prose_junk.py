"""Junk made from real prose: what each preset keeps of it, which junk lines stay, what good text goes.

The prose is real: paragraphs of the Debian Japanese manuals (bench/debian_ja_sites.py), never
written here. The junk around it is what Japanese web-corpus work reports as the web's junk
(keyword stuffing and tag lists, teaser archives, doorway pages; renderings of typeset documents
with a space between every letter). Kinds, 20 pages each, as HTML through the whole page
analysis (decode, extract, line rules, normalise, filters):

- spam lines in prose: eight real paragraphs with a shopping-spam keyword line after every two
  (words joined by spaces, bars, dots or brackets, as spam writes them). Should be kept, with
  every paragraph and no spam line.
- letter-spaced: eight real paragraphs with a space between every letter. Should be dropped.
- teaser archive: ten entries, each a title and a real paragraph cut short by "…" (or "...")
  and a "続きを読む" link. Should be dropped.
- doorway: keyword lines for one product in many towns and one real paragraph. Should be dropped.

Per preset: pages kept, spam lines left in the kept texts, and for the prose pages the share of
the good paragraphs' characters that the kept text lacks (a dropped page loses all of it).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from debian_ja_sites import RealPage

from tandem.crawl.text.page_analysis import PageAnalyzer

PAGES_PER_KIND = 20
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u3400-\u9fff]")
# Shopping-spam vocabulary of the kind keyword stuffing uses (brands left out).
SPAM_WORDS = ("ブランド", "半額", "即日発送", "おすすめ", "レディース", "メンズ", "通販", "送料無料", "激安", "新作",
              "人気", "ランキング", "正規品", "財布", "バッグ", "アウトレット", "セール", "最安値", "口コミ", "限定",
              "ポイント10倍", "楽天", "公式", "格安", "中古", "買取", "高価買取", "無料査定", "比較", "評判")
TOWNS = ("新宿", "渋谷", "池袋", "横浜", "川崎", "千葉", "大宮", "梅田", "難波", "京都", "神戸", "博多", "札幌", "仙台",
         "名古屋", "静岡", "広島", "岡山", "熊本", "那覇")
SEPARATORS = (" ", " | ", "・", " / ", "  ")


@dataclass
class ProseJunk:
    kind: str
    html: str
    spam: list[str] = field(default_factory=list)  # junk lines that no kept text may hold
    good: list[str] = field(default_factory=list)  # real paragraphs a kept text should hold


def prose_paragraphs(real: dict[str, list[RealPage]]) -> list[str]:
    """Real Japanese paragraphs: reference lines of 60-300 characters, mostly Japanese, ending in 。"""
    paragraphs = []
    for pages in real.values():
        for page in pages:
            for line in page.reference.split("\n"):
                line = line.strip()
                if 60 <= len(line) <= 300 and line.endswith("。") and len(_JAPANESE.findall(line)) >= 0.6 * len(line):
                    paragraphs.append(line)
    return list(dict.fromkeys(paragraphs))


def spam_line(rng: random.Random) -> str:
    words = rng.sample(SPAM_WORDS, rng.randint(5, 9))
    if rng.random() < 0.3:
        words[0] = f"【{words[0]}】"
    return rng.choice(SEPARATORS).join(words)


def make_junk(paragraphs: list[str], seed: int = 0) -> list[ProseJunk]:
    rng = random.Random(seed)
    junk: list[ProseJunk] = []
    for _ in range(PAGES_PER_KIND):
        good = rng.sample(paragraphs, 8)
        spam = [spam_line(rng) for _ in range(4)]
        lines = [line for pair in zip(good[0::2], good[1::2], spam, strict=True) for line in pair]
        junk.append(ProseJunk("spam lines in prose", _page(lines), spam, good))
        spaced = [" ".join(paragraph) for paragraph in rng.sample(paragraphs, 8)]
        junk.append(ProseJunk("letter-spaced", _page(spaced)))
        entries = []
        for number, paragraph in enumerate(rng.sample(paragraphs, 10)):
            cut = paragraph[:rng.randint(40, min(80, len(paragraph) - 5))]
            more = "" if rng.random() < 0.3 else f' <a href="/p/{number}">続きを読む</a>'
            entries.append(f'<h2><a href="/p/{number}">{escape(paragraph[:rng.randint(10, 20)])}</a></h2>'
                           f"<p>{escape(cut)}{rng.choice(['…', '...'])}{more}</p>")
        junk.append(ProseJunk("teaser archive", _page(entries, escaped=True)))
        product = rng.choice(SPAM_WORDS)
        lines = [rng.choice(SEPARATORS).join([town, product, *rng.sample(SPAM_WORDS, 4)]) for town in TOWNS]
        lines.insert(rng.randrange(len(lines)), rng.choice(paragraphs))
        junk.append(ProseJunk("doorway", _page(lines), spam=[line for line in lines if line not in paragraphs]))
    return junk


def _page(lines: Iterable[str], escaped: bool = False) -> str:
    body = "".join(line if escaped else f"<p>{escape(line)}</p>" for line in lines)
    return (f'<html lang="ja"><head><meta charset="utf-8"><title>ページ</title></head>'
            f'<body><div class="entry">{body}</div></body></html>')


def prose_junk_table(junk: list[ProseJunk], analyzers: dict[str, PageAnalyzer]) -> None:
    print("\njunk made from real prose (Debian manuals' paragraphs): kept / pages, spam lines left in kept "
          "texts, good prose lost (share of the real paragraphs' characters missing)")
    print(f"  {'junk':22} {'pages':>5}  " + "  ".join(f"{p + ' kept':>14} {'spam left':>9} {'good lost':>9}"
                                                       for p in analyzers))
    rows: dict[str, list[str]] = {}
    for analyzer in analyzers.values():
        totals: dict[str, list[int]] = {}
        for number, item in enumerate(junk):
            analysis = analyzer.analyse_html(item.html.encode("utf-8"), "text/html; charset=utf-8",
                                             f"http://prose{number}.test/page.html")
            kept = analysis.drop_reason is None
            text = _normal(analysis.text) if kept else ""
            spam_left = sum(1 for line in item.spam if _normal(line) in text)
            good_chars = sum(len(line) for line in item.good)
            lost = sum(len(line) for line in item.good if _normal(line) not in text)
            t = totals.setdefault(item.kind, [0, 0, 0, 0, 0])
            t[0] += 1
            t[1] += kept
            t[2] += spam_left
            t[3] += lost
            t[4] += good_chars
        for kind, (pages, kept, spam_left, lost, good_chars) in totals.items():
            share = f"{lost / good_chars:.1%}" if good_chars else "-"
            rows.setdefault(kind, [f"  {kind:22} {pages:5}"]).append(f"{kept:>14} {spam_left:>9} {share:>9}")
    for cells in rows.values():
        print("  ".join(cells))


def _normal(text: str) -> str:
    """NFKC without spaces: the line rules may mend a space a wrap left between two hiragana."""
    return "".join(unicodedata.normalize("NFKC", text).split())
