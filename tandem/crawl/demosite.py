"""A deterministic Japanese demo website on disk, and a small loopback server for it.

`generate_site` writes N HTML pages in three layouts (semantic HTML5, `<div>` soup, and
table-based) that share one site's header, navigation, sidebar and footer; in UTF-8,
Shift_JIS, EUC-JP and ISO-2022-JP, declared the ways real sites declare them; with a few exact
and near duplicates, low-quality pages the filters must drop, off-domain links, and a
robots.txt that disallows `/private/`. `_manifest.json` records every page (layout, encoding,
kind) and the ground-truth main text per URL path, for the extraction benchmark. `serve_site`
serves the folder on 127.0.0.1 with the Content-Type/charset each page is meant to have.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tandem.atomicio import atomic_write_text
from tandem.crawl.demolayout import LAYOUTS, PageParts, render_page
from tandem.crawl.demoserver import SiteServer, serve_site
from tandem.crawl.demotext import TOPICS, Article, ProseGenerator, words

MANIFEST_NAME = "_manifest.json"
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
# (codec, share of pages); "shift_jis" pages are written with cp932, as Japanese sites do.
ENCODINGS = [("utf-8", 0.55), ("shift_jis", 0.2), ("euc-jp", 0.15), ("iso-2022-jp", 0.1)]
# How a page says its charset: in the HTTP header only, a <meta charset>, an http-equiv meta, or
# both header and meta. UTF-8 pages always carry <meta charset> as well.
DECLARATIONS = ["header", "meta", "http-equiv", "header+meta"]
# Share of article pages of each special kind; the rest are ordinary articles.
SPECIAL_KINDS = [("exact_duplicate", 0.03), ("near_duplicate", 0.03), ("link_list", 0.015),
                 ("katakana_heavy", 0.015), ("too_short", 0.015), ("repetitive", 0.01),
                 ("ng_words", 0.01), ("english", 0.01)]
PRIVATE_PAGES = 2

__all__ = ["MANIFEST_NAME", "PageRecord", "SiteManifest", "SiteServer", "generate_site",
           "load_manifest", "serve_site"]


@dataclass
class PageRecord:
    path: str  # URL path, e.g. "/articles/0001.html"
    kind: str  # index | category | article | private | one of SPECIAL_KINDS
    layout: str
    encoding: str  # the charset label the page declares (or the server sends)
    declaration: str  # header | meta | http-equiv | header+meta
    title: str
    main_text: str  # ground truth: the article body, one paragraph a line ("" for link pages)
    duplicate_of: str | None = None


@dataclass
class SiteManifest:
    root: str
    seed: int
    pages: list[PageRecord] = field(default_factory=list)

    @property
    def start_path(self) -> str:
        return "/index.html"

    def by_path(self) -> dict[str, PageRecord]:
        return {page.path: page for page in self.pages}

    def ground_truth(self, base_url: str) -> dict[str, str]:
        """URL → main text (one paragraph a line) for every page that has prose."""
        base = base_url.rstrip("/")
        return {base + page.path: page.main_text for page in self.pages if page.main_text}

    def header_charsets(self) -> dict[str, str]:
        """URL path → charset for the pages whose charset the server must send."""
        return {p.path: p.encoding for p in self.pages if p.declaration.startswith("header")}


def generate_site(out_dir: Path, pages: int, seed: int = 0) -> SiteManifest:
    """Write a site of exactly `pages` HTML pages (at least 20) into `out_dir`; return its manifest."""
    if pages < 20:
        raise ValueError("pages: the demo site needs at least 20 pages")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    prose = ProseGenerator(rng)
    categories = list(TOPICS)[: max(2, min(len(TOPICS), pages // 25))]
    article_count = pages - 1 - len(categories) - PRIVATE_PAGES
    kinds = _article_kinds(article_count, rng)
    manifest = SiteManifest(root=str(out_dir), seed=seed)
    articles: list[tuple[PageRecord, Article]] = []
    for number, kind in enumerate(kinds, start=1):
        path = f"/articles/{number:04d}.html"
        topic = categories[number % len(categories)]
        article, duplicate_of = _article_for(kind, topic, prose, articles, rng)
        main_text = "" if kind == "link_list" else "\n".join(article.paragraphs)
        record = PageRecord(path, kind, rng.choice(LAYOUTS), *_pick_encoding(rng), article.title,
                            main_text, duplicate_of)
        articles.append((record, article))
    site_rng = random.Random(seed + 1)  # layout details independent of the prose draws
    all_articles = [record for record, _ in articles]
    for position, (record, article) in enumerate(articles):
        parts = PageParts(record.title, article.paragraphs, _related(position, all_articles, site_rng),
                          categories, topic=article.topic, link_list=record.kind == "link_list")
        html = render_page(record.layout, parts, record.encoding, record.declaration, site_rng)
        _write(out_dir, record, html)
        manifest.pages.append(record)
    for index, topic in enumerate(categories):
        members = [r for r, a in articles if a.topic == topic]
        record = PageRecord(f"/category/{index:02d}.html", "category", LAYOUTS[index % 3], "utf-8", "meta",
                            f"{TOPICS[topic][0]}の記事一覧", "")
        links = [(r.path, r.title) for r in members]
        parts = PageParts(record.title, [], links, categories, topic=topic, link_list=True)
        _write(out_dir, record, render_page(record.layout, parts, "utf-8", "meta", site_rng))
        manifest.pages.append(record)
    for number in range(1, PRIVATE_PAGES + 1):
        article = prose.article(categories[0])
        record = PageRecord(f"/private/{number:02d}.html", "private", "semantic", "utf-8", "meta",
                            article.title, "\n".join(article.paragraphs))
        parts = PageParts(record.title, article.paragraphs, [], categories, topic=categories[0])
        _write(out_dir, record, render_page("semantic", parts, "utf-8", "meta", site_rng))
        manifest.pages.append(record)
    index_links = [(f"/category/{i:02d}.html", f"{TOPICS[t][0]}の記事一覧") for i, t in enumerate(categories)]
    index_links += [(r.path, r.title) for r in all_articles[:: max(1, len(all_articles) // 40)]]
    index_links += [(f"/private/{n:02d}.html", "会員向けのお知らせ") for n in range(1, PRIVATE_PAGES + 1)]
    home = PageRecord("/index.html", "index", "semantic", "utf-8", "meta", "暮らしの手帖ブログ", "")
    parts = PageParts(home.title, [], index_links, categories, topic=categories[0], link_list=True)
    _write(out_dir, home, render_page("semantic", parts, "utf-8", "meta", site_rng))
    manifest.pages.append(home)
    (out_dir / "robots.txt").write_text(ROBOTS_TXT, encoding="ascii")
    atomic_write_text(out_dir / MANIFEST_NAME, json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
    return manifest


def load_manifest(root: Path) -> SiteManifest:
    data = json.loads((Path(root) / MANIFEST_NAME).read_text(encoding="utf-8"))
    return SiteManifest(root=data["root"], seed=data["seed"], pages=[PageRecord(**p) for p in data["pages"]])


def _article_kinds(count: int, rng: random.Random) -> list[str]:
    kinds = ["article"] * count
    slots = list(range(count // 5, count))  # the first fifth stays ordinary: duplicates need originals
    rng.shuffle(slots)
    for kind, share in SPECIAL_KINDS:
        for _ in range(max(1, round(count * share))):
            if slots:
                kinds[slots.pop()] = kind
    return kinds


def _article_for(kind: str, topic: str, prose: ProseGenerator, earlier: list[tuple[PageRecord, Article]],
                 rng: random.Random) -> tuple[Article, str | None]:
    originals = [(r, a) for r, a in earlier if r.kind == "article"]
    if kind == "exact_duplicate":
        record, article = rng.choice(originals)
        return Article(article.topic, article.title, list(article.paragraphs)), record.path
    if kind == "near_duplicate":
        record, article = rng.choice(originals)
        paragraphs = list(article.paragraphs)
        addition = prose.sentence("{n}については、また別の機会に詳しく書きます。", *TOPICS[article.topic][1:])
        paragraphs[-1] += addition
        return Article(article.topic, article.title + "（改訂版）", paragraphs), record.path
    if kind == "too_short":
        article = prose.article(topic, 1, 1)
        return Article(topic, article.title, [article.paragraphs[0][:80]]), None
    if kind == "repetitive":
        sentence = prose.article(topic, 1, 1).paragraphs[0]
        return Article(topic, "お知らせ", [sentence[:60]] * 12), None
    if kind == "katakana_heavy":
        return Article(topic, "新着アイテム", [_katakana_paragraph(rng) for _ in range(4)]), None
    if kind == "ng_words":
        article = prose.article(topic)
        spam = [rng.choice(_SPAM).format(k=rng.randint(10, 99)) for _ in article.paragraphs]
        return Article(topic, article.title, [s + p for s, p in zip(spam, article.paragraphs, strict=True)]), None
    if kind == "english":
        return Article(topic, "Garden notes", [" ".join(
            f"On day {rng.randint(1, 300)} we {rng.choice(_ENGLISH_DONE)} in the {rng.choice(_ENGLISH_PLACES)}."
            for _ in range(8)) for _ in range(4)]), None
    return prose.article(topic), None


_SPAM = ["出会い系アダルト動画が無修正で見放題、オンラインカジノで即金{k}万円。",
         "簡単に稼げる情報商材、副業で月収{k}万円、今すぐ登録で必ず儲かる。",
         "激安デリヘルと風俗の最安値情報、無料登録で高収入{k}万円。"]
_ENGLISH_DONE = ["planted tomatoes", "watered the beans", "repaired the fence", "picked strawberries",
                 "moved the compost", "painted the shed"]
_ENGLISH_PLACES = words("garden greenhouse backyard allotment orchard")
_KATAKANA_WORDS = words("スマートウォッチ ワイヤレスイヤホン モバイルバッテリー キーボード ゲーミングマウス "
                   "ポータブルスピーカー タブレットスタンド ノイズキャンセリング プレミアムモデル "
                   "アウトドアチェア ステンレスボトル コンパクトカメラ デジタルフォトフレーム")


def _katakana_paragraph(rng: random.Random) -> str:
    items = [f"{rng.choice(_KATAKANA_WORDS)}・{rng.choice(_KATAKANA_WORDS)}セット" for _ in range(8)]
    return "、".join(items) + "が新登場です。"


def _pick_encoding(rng: random.Random) -> tuple[str, str]:
    encoding = rng.choices([e for e, _ in ENCODINGS], weights=[w for _, w in ENCODINGS])[0]
    declaration = "header+meta" if encoding == "utf-8" else rng.choice(DECLARATIONS)
    return encoding, declaration


def _related(position: int, articles: list[PageRecord], rng: random.Random) -> list[tuple[str, str]]:
    """Links for the article's 'related' box: neighbours (so every page is reachable) plus random ones."""
    record = articles[position]
    picks = [articles[(position + 1) % len(articles)], articles[position - 1]]
    picks += rng.sample(articles, k=min(4, len(articles)))
    return [(p.path, p.title) for p in picks if p is not record]


def _write(out_dir: Path, record: PageRecord, html: bytes) -> None:
    target = out_dir / record.path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(html)
