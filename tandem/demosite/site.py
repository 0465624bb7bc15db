"""A deterministic Japanese demo website on disk, and a small loopback server for it.

`generate_site` writes N HTML pages in three layouts (semantic HTML5, `<div>` soup, and
table-based) that share one site's header, navigation, sidebar and footer; in UTF-8,
Shift_JIS, EUC-JP and ISO-2022-JP, declared the ways real sites declare them; with a few exact
and near duplicates, low-quality pages the filters must drop, off-domain links, broken links
(removed articles, a folder that no longer exists), old addresses that redirect (301, one of
them in two hops), and a robots.txt that disallows `/private/`. No sentence of the ordinary
articles appears twice. `_manifest.json` records every page (layout, encoding, kind), the
ground-truth main text per URL path (for the extraction benchmark), the redirects and every
broken link. `serve_site` serves the folder on 127.0.0.1 with the Content-Type/charset each
page is meant to have, and answers the redirects.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict
from pathlib import Path

from tandem.demosite.article_kinds import article_for, article_kinds
from tandem.demosite.manifest import MANIFEST_NAME, PageRecord, SiteManifest
from tandem.demosite.page_layout import CODECS, LAYOUTS, PageParts, render_page
from tandem.demosite.prose import TOPICS, Article, ProseGenerator
from tandem.fileio.atomic_files import atomic_write_text

ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
# (codec, share of pages); "shift_jis" pages are written with cp932, as Japanese sites do.
ENCODINGS = [("utf-8", 0.55), ("shift_jis", 0.2), ("euc-jp", 0.15), ("iso-2022-jp", 0.1)]
# How a page says its charset: in the HTTP header only, a <meta charset>, an http-equiv meta, or
# both header and meta. UTF-8 pages always carry <meta charset> as well.
DECLARATIONS = ["header", "meta", "http-equiv", "header+meta"]
PRIVATE_PAGES = 2
PAGES_PER_TOPIC = 20  # one category per 20 pages: a 300-page site covers 15 topics, 400+ all 20
REMOVED_ARTICLES = 5  # article numbers skipped, as if deleted; two pages each still link to them
GONE_FOLDER_LINK = "/blog/2019/04/hanami.html"  # the old blog's folder no longer exists at all
REDIRECTED_ARTICLES = 4  # /old/entryN.html answers 301 to the article; the first via a second hop
_HREF = re.compile(r'href="(/[^"]*)"')

def generate_site(out_dir: Path, pages: int, seed: int = 0) -> SiteManifest:
    """Write a site of exactly `pages` HTML pages (at least 20) into `out_dir`; return its manifest.
    The pages of a site generated there before are removed first."""
    if pages < 20:
        raise ValueError("pages: the demo site needs at least 20 pages")
    out_dir = Path(out_dir)
    _remove_previous_site(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    prose = ProseGenerator(rng)
    categories = list(TOPICS)[: max(2, min(len(TOPICS), pages // PAGES_PER_TOPIC))]
    article_count = pages - 1 - len(categories) - PRIVATE_PAGES
    kinds = article_kinds(article_count, rng)
    link_rng = random.Random(seed + 2)  # removed articles and redirects: independent of the prose
    numbers, removed = _article_numbers(article_count, link_rng)
    manifest = SiteManifest(root=str(out_dir), seed=seed)
    articles: list[tuple[PageRecord, Article]] = []
    originals: list[tuple[str, Article]] = []  # the ordinary articles so far, which duplicates copy
    for number, kind in zip(numbers, kinds, strict=True):
        path = f"/articles/{number:04d}.html"
        topic = categories[number % len(categories)]
        article, duplicate_of = article_for(kind, topic, prose, originals, rng)
        main_text = "" if kind == "link_list" else "\n".join(article.paragraphs)
        record = PageRecord(path, kind, rng.choice(LAYOUTS), *_pick_encoding(rng), article.title,
                            main_text, duplicate_of)
        articles.append((record, article))
        if kind == "article":
            originals.append((path, article))
    ordinary = [position for position, (record, _) in enumerate(articles) if record.kind == "article"]
    dead_links: dict[int, list[tuple[str, str]]] = {}  # position -> related links to removed articles
    for number in removed:
        title = prose.title(categories[number % len(categories)])
        for position in link_rng.sample(ordinary, 2):
            dead_links.setdefault(position, []).append((f"/articles/{number:04d}.html", title))
    redirected = [articles[position][0] for position in link_rng.sample(ordinary, REDIRECTED_ARTICLES)]
    manifest.redirects, old_address = _redirects([record.path for record in redirected])
    site_rng = random.Random(seed + 1)  # layout details independent of the prose draws
    all_articles = [record for record, _ in articles]
    for position, (record, article) in enumerate(articles):
        related = _related(position, all_articles, site_rng) + dead_links.get(position, [])
        parts = PageParts(record.title, article.paragraphs, related, categories, topic=article.topic,
                          link_list=record.kind == "link_list")
        html = render_page(record.layout, parts, record.encoding, record.declaration, site_rng)
        _write(out_dir, record, html)
        manifest.pages.append(record)
    for index, topic in enumerate(categories):
        members = [r for r, a in articles if a.topic == topic]
        record = PageRecord(f"/category/{index:02d}.html", "category", LAYOUTS[index % 3], "utf-8", "meta",
                            f"{TOPICS[topic][0]}の記事一覧", "")
        links = [(old_address.get(r.path, r.path), r.title) for r in members]  # listings keep old addresses
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
    index_links += [(old_address[r.path], f"{r.title}（旧ブログより）") for r in redirected]
    index_links += [(GONE_FOLDER_LINK, "旧ブログ：お花見の記録")]
    index_links += [(f"/private/{n:02d}.html", "会員向けのお知らせ") for n in range(1, PRIVATE_PAGES + 1)]
    home = PageRecord("/index.html", "index", "semantic", "utf-8", "meta", "暮らしの手帖ブログ", "")
    parts = PageParts(home.title, [], index_links, categories, topic=categories[0], link_list=True)
    _write(out_dir, home, render_page("semantic", parts, "utf-8", "meta", site_rng))
    manifest.pages.append(home)
    (out_dir / "robots.txt").write_text(ROBOTS_TXT, encoding="ascii")
    written = {page.path for page in manifest.pages}
    manifest.broken_links = sorted(_linked_paths(out_dir, manifest.pages) - written - manifest.redirects.keys())
    atomic_write_text(out_dir / MANIFEST_NAME, json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
    return manifest


def _remove_previous_site(out_dir: Path) -> None:
    """Delete the files a previous `generate_site` wrote here (and nothing else)."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        return
    for page in json.loads(manifest.read_text(encoding="utf-8"))["pages"]:
        (out_dir / page["path"].lstrip("/")).unlink(missing_ok=True)
    (out_dir / "robots.txt").unlink(missing_ok=True)
    manifest.unlink()


def _article_numbers(count: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """`count` article numbers from 1 with REMOVED_ARTICLES gaps (never in the first fifth,
    which the sidebar's popular links point at); returns (numbers, removed numbers)."""
    last = count + REMOVED_ARTICLES
    removed = sorted(rng.sample(range(count // 5 + 4, last + 1), REMOVED_ARTICLES))
    return [n for n in range(1, last + 1) if n not in removed], removed


def _redirects(targets: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """({old path: Location}, {article path: the old address pages link}); the first article's
    old address answers with a second old address, which redirects in turn (a 2-hop chain)."""
    redirects: dict[str, str] = {}
    linked: dict[str, str] = {}
    for index, target in enumerate(targets):
        number = int(target.rsplit("/", 1)[1].split(".")[0])
        old = f"/old/entry{number}.html"
        redirects[old] = target
        linked[target] = old
        if index == 0:
            first_hop = f"/old/2019/entry{number}.html"
            redirects[first_hop] = old
            linked[target] = first_hop
    return redirects, linked


def _linked_paths(out_dir: Path, pages: list[PageRecord]) -> set[str]:
    """Every same-site path the written pages link to."""
    paths: set[str] = set()
    for page in pages:
        html = (out_dir / page.path.lstrip("/")).read_bytes().decode(CODECS[page.encoding])
        paths.update(_HREF.findall(html))
    return paths


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
