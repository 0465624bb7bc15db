import http.client
import re
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from protego import Protego

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.normalize import normalize_text, text_id
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.demosite.manifest import MANIFEST_NAME, SiteManifest, load_manifest
from tandem.demosite.page_layout import CODECS
from tandem.demosite.site import GONE_FOLDER_LINK, REMOVED_ARTICLES, generate_site
from tandem.demosite.site_server import serve_site

SENTENCES = re.compile(r"[^。！？]+[。！？]")
PROSE_KINDS = ("article", "private")  # pages of ordinary prose (the other kinds copy or spoil it on purpose)


def fetch_once(url: str) -> tuple[int, str | None]:
    """(status, Location) of one GET, redirects not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def links_of(root: Path, manifest: SiteManifest) -> dict[str, set[str]]:
    """Page path -> the site paths it links to."""
    return {page.path: set(re.findall(r'href="(/[^"]*)"', (root / page.path.lstrip("/")).read_bytes()
                                      .decode(CODECS[page.encoding]))) for page in manifest.pages}


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_generation_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = generate_site(tmp_path / "a", 40, seed=7)
    second = generate_site(tmp_path / "b", 40, seed=7)
    other = generate_site(tmp_path / "c", 40, seed=8)
    assert first.pages == second.pages
    assert first.pages != other.pages
    for page in first.pages:
        path = page.path.lstrip("/")
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()


def test_site_has_every_ingredient(small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    assert len(manifest.pages) == 120 == len(list(root.rglob("*.html")))
    kinds = Counter(page.kind for page in manifest.pages)
    for kind in ("index", "category", "private", "article", "exact_duplicate", "near_duplicate", "link_list",
                 "katakana_heavy", "too_short", "repetitive", "ng_words", "english"):
        assert kinds[kind] >= 1, kind
    assert {p.layout for p in manifest.pages} == {"semantic", "div_soup", "table"}
    assert {p.encoding for p in manifest.pages} == {"utf-8", "shift_jis", "euc-jp", "iso-2022-jp"}
    assert "Disallow: /private/" in (root / "robots.txt").read_text()
    assert load_manifest(root).pages == manifest.pages
    html = b"".join((root / p.path.lstrip("/")).read_bytes() for p in manifest.pages if p.encoding == "utf-8")
    assert b"https://www.example.com/partner/" in html  # off-domain links


def test_at_least_90_percent_of_articles_pass_the_swallow_filters(small_site: tuple[Path, SiteManifest]) -> None:
    _, manifest = small_site
    quality = QualityFilter(QualitySettings(), load_ng_words(None))
    articles = [p for p in manifest.pages if p.kind == "article"]
    kept = [p for p in articles if quality.check(normalize_text(p.main_text))[0]]
    assert len(kept) >= 0.9 * len(articles)
    low = [p for p in manifest.pages if p.kind in ("katakana_heavy", "too_short", "repetitive", "ng_words", "english")]
    assert not any(quality.check(normalize_text(p.main_text))[0] for p in low)


def test_server_sends_the_declared_charsets_and_pages_decode_to_the_ground_truth(
        small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    extractor = Extractor(ExtractSettings(repeated_lines=False))
    with serve_site(root) as server:
        assert server.url.startswith("http://127.0.0.1:")
        for page in manifest.pages:
            if page.kind != "article":
                continue
            status, content_type, body = fetch(server.url.rstrip("/") + page.path)
            assert status == 200
            assert ("charset=" in content_type) == page.declaration.startswith("header"), page
            text, _ = decode_body(body, content_type)
            extracted = extractor.extract(text, server.url + page.path.lstrip("/")).text
            assert normalize_text(page.main_text) in normalize_text(extracted)
        status, content_type, body = fetch(server.url + "robots.txt")
        assert (status, content_type) == (200, "text/plain; charset=utf-8")
        assert fetch(server.url + "missing.html")[0] == 404
        assert fetch(server.url + MANIFEST_NAME)[0] == 404
        assert fetch(server.url + "../../etc/passwd")[0] == 404
        assert fetch(server.url)[0] == 200  # "/" serves index.html


def test_too_few_pages_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pages"):
        generate_site(tmp_path, 5)


def test_ground_truth_maps_urls_to_main_text(small_site: tuple[Path, SiteManifest]) -> None:
    _, manifest = small_site
    truth = manifest.ground_truth("http://127.0.0.1:8080/")
    first = next(p for p in manifest.pages if p.kind == "article")
    assert truth["http://127.0.0.1:8080" + first.path] == first.main_text
    assert all(text for text in truth.values())
    assert "http://127.0.0.1:8080/index.html" not in truth


def test_the_sites_duplicates_are_what_dedup_catches(small_site: tuple[Path, SiteManifest]) -> None:
    _, manifest = small_site
    dedup = Deduplicator(DedupSettings())
    verdicts: dict[str, set[str]] = {}
    for page in manifest.pages:  # originals come first: duplicates copy earlier pages
        if page.kind in ("article", "exact_duplicate", "near_duplicate"):
            text = normalize_text(page.main_text)
            verdicts.setdefault(page.kind, set()).add(dedup.check_and_add(text_id(text), text)[1])
    assert verdicts == {"article": {"ok"}, "exact_duplicate": {"duplicate_exact"},
                        "near_duplicate": {"duplicate_near"}}


@pytest.mark.parametrize("pages", [300, 500])
def test_no_sentence_of_the_ordinary_articles_appears_twice(tmp_path: Path, pages: int) -> None:
    manifest = generate_site(tmp_path, pages, seed=0)
    sentences = Counter(sentence for page in manifest.pages if page.kind in PROSE_KINDS
                        for sentence in SENTENCES.findall(page.main_text.replace("\n", "")))
    assert sum(sentences.values()) > 15 * pages
    assert [s for s, count in sentences.items() if count > 1] == []
    assert all(20 <= len(sentence) <= 90 for sentence in sentences)


def test_a_larger_site_covers_every_topic_and_prose_is_jis_x_0208(tmp_path: Path) -> None:
    manifest = generate_site(tmp_path, 500, seed=1)
    categories = [page for page in manifest.pages if page.kind == "category"]
    assert len(categories) == 20
    for page in manifest.pages:
        if page.main_text:  # strict: a character outside JIS X 0208 would raise here
            page.main_text.encode("iso2022_jp")


def test_every_encoding_is_really_used(small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    for encoding in ("shift_jis", "euc-jp", "iso-2022-jp"):
        page = next(p for p in manifest.pages if p.encoding == encoding and p.kind == "article")
        body = (root / page.path.lstrip("/")).read_bytes()
        if encoding == "iso-2022-jp":
            assert b"\x1b$B" in body  # 7-bit: switches to JIS X 0208 with an escape sequence
        else:
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        assert page.main_text.splitlines()[0] in body.decode(CODECS[encoding])


def test_robots_txt_disallows_the_private_folder(small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    robots = Protego.parse((root / "robots.txt").read_text(encoding="ascii"))
    private = [p.path for p in manifest.pages if p.kind == "private"]
    assert private and all(p.startswith("/private/") for p in private)
    assert not any(robots.can_fetch("http://127.0.0.1" + path, "tandem-crawler") for path in private)
    assert all(robots.can_fetch("http://127.0.0.1" + p.path, "tandem-crawler")
               for p in manifest.pages if p.kind != "private")


def test_broken_links_are_linked_recorded_and_404(small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    links = links_of(root, manifest)
    linked = set().union(*links.values())
    written = {page.path for page in manifest.pages}
    assert manifest.broken_links == sorted(linked - written - manifest.redirects.keys())
    removed = [path for path in manifest.broken_links if path.startswith("/articles/")]
    assert len(removed) == REMOVED_ARTICLES
    assert all(sum(path in targets for targets in links.values()) >= 2 for path in removed)
    assert GONE_FOLDER_LINK in links["/index.html"]
    with serve_site(root) as server:
        for path in manifest.broken_links:
            assert fetch(server.url.rstrip("/") + path)[0] == 404, path


def test_old_addresses_redirect_with_301_to_articles(small_site: tuple[Path, SiteManifest]) -> None:
    root, manifest = small_site
    pages = manifest.by_path()
    index_links = links_of(root, manifest)["/index.html"]
    linked_old = [path for path in manifest.redirects if path in index_links]
    assert len(linked_old) == 4
    hop_counts = {}
    with serve_site(root) as server:
        base = server.url.rstrip("/")
        for old in linked_old:
            hops = [old]
            while hops[-1] in manifest.redirects:
                status, location = fetch_once(base + hops[-1])
                assert (status, location) == (301, base + manifest.redirects[hops[-1]])
                hops.append(manifest.redirects[hops[-1]])
            assert pages[hops[-1]].kind == "article"
            hop_counts[old] = len(hops) - 1
            status, _, body = fetch(base + old)  # urllib follows the redirects to the article
            assert (status, body) == (200, (root / hops[-1].lstrip("/")).read_bytes())
    assert sorted(hop_counts.values()) == [1, 1, 1, 2]


def test_regenerating_replaces_the_previous_site(tmp_path: Path) -> None:
    generate_site(tmp_path, 60, seed=1)
    manifest = generate_site(tmp_path, 30, seed=2)
    assert len(list(tmp_path.rglob("*.html"))) == 30
    assert load_manifest(tmp_path) == manifest
