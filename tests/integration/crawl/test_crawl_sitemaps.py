"""Sitemaps, with real crawl processes: a site whose navigation is built by JavaScript, so its
articles are reachable only through the sitemaps its robots.txt names (an index, a plain
sitemap and a gzipped one). Listed URLs pass the same checks as links."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from support.japanese_pages import article_page
from support.raw_http import RawSite, reply

ARTICLES = 12
NAVIGATION_SCRIPT = "for (const n of [0,1,2,3,4,5,6,7,8,9,10,11]) { /* builds the menu */ }"


def _urlset(locs: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2024-01-01</lastmod></url>" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>").encode()


def _javascript_site() -> RawSite:
    site = RawSite({})
    origin = site.origin
    articles = [f"{origin}/articles/{n}.html" for n in range(ARTICLES)]
    index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{origin}/sitemaps/first.xml</loc></sitemap>"
             f"<sitemap><loc>{origin}/sitemaps/second.xml.gz</loc></sitemap></sitemapindex>").encode()
    first = _urlset([*articles[:6], f"{origin}/private/draft.html", "http://off-domain.example/page.html"])
    site.routes.update({
        "/": reply(200, article_page(100, script=NAVIGATION_SCRIPT)),
        "/robots.txt": reply(200, f"User-agent: *\nDisallow: /private/\nSitemap: {origin}/sitemaps/index.xml\n"
                             .encode(), "text/plain"),
        "/sitemaps/index.xml": reply(200, index, "application/xml"),
        "/sitemaps/first.xml": reply(200, first, "application/xml"),
        "/sitemaps/second.xml.gz": reply(200, gzip.compress(_urlset(articles[6:])), "application/gzip"),
        "/private/draft.html": reply(200, article_page(101)),
        **{f"/articles/{n}.html": reply(200, article_page(n)) for n in range(ARTICLES)},
    })
    return site


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text(encoding="utf-8"))


def test_pages_reachable_only_through_sitemaps_are_crawled(write_config, run_crawl, tmp_path) -> None:
    with _javascript_site() as site:
        done = run_crawl(write_config(target=100), "--seeds", site.url("/"))
    assert done.returncode == 0, done.stderr
    stats = _stats(tmp_path / "out")
    assert stats["kept"] == ARTICLES + 1  # every article, and the home page
    assert all(f"/articles/{n}.html" in site.requested for n in range(ARTICLES))
    assert "/private/draft.html" not in site.requested  # listed, but robots.txt disallows it
    assert stats["dropped"]["robots"] == 1 and stats["refused_links"]["off_domain"] == 1
    assert f"sitemaps of {site.origin}: 3 files read, {ARTICLES + 2} URLs listed, {ARTICLES + 1} new" in done.stdout


def test_sitemaps_can_be_switched_off(write_config, run_crawl, tmp_path) -> None:
    with _javascript_site() as site:
        done = run_crawl(write_config(target=100, sitemaps={"enabled": False}), "--seeds", site.url("/"))
    assert done.returncode == 0, done.stderr
    assert _stats(tmp_path / "out")["kept"] == 1
    assert not [path for path in site.requested if "sitemap" in path]


def test_a_resumed_crawl_does_not_read_the_sitemaps_again(write_config, run_crawl, tmp_path) -> None:
    with _javascript_site() as site:
        config = write_config(target=8)  # more than the first sitemap lists: all are read first
        first = run_crawl(config, "--seeds", site.url("/"))
        second = run_crawl(config, "--seeds", site.url("/"), "--target", "100")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert site.requested.count("/sitemaps/index.xml") == 1
    assert _stats(tmp_path / "out")["kept"] == ARTICLES + 1
