import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tandem.crawl.decode import decode_body
from tandem.crawl.dedup import Deduplicator, DedupSettings
from tandem.crawl.demosite import MANIFEST_NAME, SiteManifest, generate_site, load_manifest, serve_site
from tandem.crawl.extract import Extractor, ExtractSettings
from tandem.crawl.normalize import normalize_text, text_id
from tandem.crawl.quality import QualityFilter, QualitySettings

REPO = Path(__file__).resolve().parents[3]


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
    quality = QualityFilter(QualitySettings(), base_dir=REPO)
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
