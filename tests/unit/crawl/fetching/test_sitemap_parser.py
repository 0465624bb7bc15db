"""Sitemap files read as they stream in: each format, each limit, each hostile input."""

import gzip

import pytest

from tandem.crawl.fetching.sitemap_parser import INDEX, TEXT, URLSET, SitemapParser

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _parse(body: bytes, chunk: int = 7, max_bytes: int = 1_000_000, max_locs: int = 50_000) -> SitemapParser:
    parser = SitemapParser(max_bytes, max_locs)
    for start in range(0, len(body), chunk):  # small chunks: every boundary is crossed somewhere
        parser.feed(body[start:start + chunk])
    parser.close()
    return parser


def _urlset(count: int, prefix: str = "http://e.jp/p") -> bytes:
    urls = "".join(f"<url><loc>{prefix}{n}</loc><priority>0.5</priority></url>" for n in range(count))
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{urls}</urlset>'.encode()


def test_urlset_in_any_namespace_with_entities_and_cdata() -> None:
    body = (f'\ufeff  <?xml version="1.0"?>\n<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
            "<url><loc> http://e.jp/a?x=1&amp;y=2 </loc><image:image><image:loc>http://e.jp/i.png</image:loc>"
            "</image:image></url><url><loc><![CDATA[http://e.jp/日本]]></loc></url></urlset>").encode()
    parser = _parse(body)
    assert parser.kind == URLSET and parser.error is None
    assert parser.locs == ["http://e.jp/a?x=1&y=2", "http://e.jp/日本"]  # not the image's <loc>


def test_sitemap_index() -> None:
    body = f"<sitemapindex {NS}><sitemap><loc>http://e.jp/s1.xml</loc></sitemap></sitemapindex>".encode()
    parser = _parse(body)
    assert parser.kind == INDEX and parser.locs == ["http://e.jp/s1.xml"]


def test_gzip_is_unpacked_as_it_streams() -> None:
    parser = _parse(gzip.compress(_urlset(500)), chunk=100)
    assert parser.kind == URLSET and len(parser.locs) == 500


def test_a_gzip_bomb_stops_at_max_bytes_and_keeps_what_came_before() -> None:
    body = _urlset(3)[:-len("</urlset>")] + b" " * 50_000_000 + b"</urlset>"
    parser = _parse(gzip.compress(body), chunk=65536, max_bytes=100_000)
    assert parser.error == "too_large" and parser.locs == ["http://e.jp/p0", "http://e.jp/p1", "http://e.jp/p2"]


def test_a_file_past_max_locs_stops_there() -> None:
    parser = _parse(_urlset(100), max_locs=10)
    assert len(parser.locs) == 10 and parser.error == "too_many_urls"


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<urlset><url><loc>&lol2;</loc></url></urlset>",
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<urlset><url><loc>http://e.jp/&xxe;</loc></url></urlset>",
])
def test_a_dtd_is_refused_so_no_entity_expands(body: bytes) -> None:
    parser = _parse(body)
    assert parser.locs == [] and parser.error == "dtd"


def test_broken_xml_keeps_the_urls_before_the_break() -> None:
    parser = _parse(b"<urlset><url><loc>http://e.jp/a</loc></url><url><loc>http://e.jp/b</loc></url><url><lo")
    assert parser.locs == ["http://e.jp/a", "http://e.jp/b"] and parser.error == "bad_xml"


def test_an_html_page_is_not_a_sitemap() -> None:
    parser = _parse(b"<html><body><a href='http://e.jp/x'>x</a></body></html>")
    assert parser.kind is None and parser.locs == [] and parser.error == "not_a_sitemap"


def test_text_sitemap_one_url_per_line() -> None:
    parser = _parse(b"http://e.jp/a\r\n\nnot a url\nhttps://e.jp/b\nhttp://e.jp/c")
    assert parser.kind == TEXT and parser.locs == ["http://e.jp/a", "https://e.jp/b", "http://e.jp/c"]


def test_garbage_gzip() -> None:
    parser = _parse(b"\x1f\x8b\x08\x00 this is not gzip at all")
    assert parser.locs == [] and parser.error == "bad_gzip"
