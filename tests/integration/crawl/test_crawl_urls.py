"""URLs are fetched as written, with real crawl processes: an older Japanese site whose file
names are Shift_JIS percent-escapes, and a path with an escaped slash."""

from __future__ import annotations

from support.japanese_pages import article_page
from support.raw_http import RawSite, reply

# あ.html, い.html and う.html in Shift_JIS: three pages, three URLs (UTF-8 would be %E3%81%82 ...)
SHIFT_JIS_PATHS = ["/%82%A0.html", "/%82%A2.html", "/%82%A4.html"]
SLASH_PATHS = ["/docs/a%2Fb.html", "/docs/a/b.html"]  # one segment "a/b" is not the path a/b


def test_percent_escapes_are_fetched_as_written(write_config, run_crawl, shards, tmp_path) -> None:
    paths = SHIFT_JIS_PATHS + SLASH_PATHS
    routes = {"/": reply(200, article_page(0, [p.lower() if "%82" in p else p for p in paths]))}
    routes.update({path: reply(200, article_page(number + 1)) for number, path in enumerate(paths)})
    with RawSite(routes) as site:
        done = run_crawl(write_config(target=100), "--seeds", site.url("/"))
        records = shards(tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert sorted(p for p in site.requested if p.endswith(".html")) == sorted(paths)
    assert {r["url"] for r in records} == {site.url("/")} | {site.url(p) for p in paths}
