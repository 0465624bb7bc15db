"""What the quality scheduler learns of a site section: its kept rate, smoothed towards its
host's and the crawl's, and what that rate does to a link's priority."""

from __future__ import annotations

import pytest

from tandem.crawl.fetching.prefix_yield import (
    PRIOR_RATE,
    YIELD_CEILING,
    YIELD_FLOOR,
    PrefixYield,
    section_of,
    yield_factor,
)


def test_a_section_is_the_host_and_the_first_folder() -> None:
    assert section_of("http://a.jp/docs/guide/intro.html") == ("a.jp", "a.jp/docs/")
    assert section_of("http://a.jp/index.html") == ("a.jp", "a.jp/")
    assert section_of("http://a.jp/") == ("a.jp", "a.jp/")
    assert section_of("http://a.jp:8080/docs") == ("a.jp:8080", "a.jp:8080/")


def test_the_factor_is_one_at_the_prior_and_bounded_both_ways() -> None:
    assert yield_factor(PRIOR_RATE) == pytest.approx(1.0)
    assert yield_factor(0.0) == YIELD_FLOOR
    assert yield_factor(1.0) == YIELD_CEILING
    assert yield_factor(0.1) < yield_factor(0.2) < 1.0


def test_nothing_learnt_leaves_every_priority_as_it_was() -> None:
    assert PrefixYield().adjusted("http://a.jp/x.html", 0.7) == 0.7


def test_a_section_that_keeps_nothing_falls_towards_the_floor_and_one_that_keeps_all_rises() -> None:
    learnt = PrefixYield()
    for i in range(30):
        learnt.record(f"http://a.jp/tag/{i}", False)
        learnt.record(f"http://a.jp/docs/{i}", True)
    # the host keeps half its pages: what its /tag/ pages did outweighs that
    assert 0.8 * YIELD_FLOOR <= learnt.adjusted("http://a.jp/tag/new", 0.8) < 0.8 * 0.65
    assert learnt.adjusted("http://a.jp/docs/new", 0.8) == pytest.approx(min(1.0, 0.8 * YIELD_CEILING))


def test_one_dropped_page_is_barely_a_judgement() -> None:
    learnt = PrefixYield()
    learnt.record("http://a.jp/docs/1", False)
    judged, unknown = (yield_factor(learnt.rate(url)) for url in ("http://a.jp/docs/2", "http://b.jp/docs/2"))
    assert 0.8 * unknown < judged < unknown <= 1.0


def test_an_unjudged_section_follows_its_host_and_an_unknown_host_the_crawl() -> None:
    learnt = PrefixYield()
    for i in range(20):
        learnt.record(f"http://spam.jp/a/{i}", False)
    assert learnt.rate("http://spam.jp/b/1") < learnt.rate("http://new.jp/b/1") < PRIOR_RATE
    assert learnt.rate("http://spam.jp/a/1") < learnt.rate("http://spam.jp/b/1")


def test_counts_rebuilt_from_outcomes_equal_those_learnt_live() -> None:
    outcomes = [("http://a.jp/x/1", True), ("http://a.jp/x/2", False), ("http://b.jp/3", False)]
    live = PrefixYield()
    for url, kept in outcomes:
        live.record(url, kept)
    rebuilt = PrefixYield.from_outcomes(outcomes)
    for url in ("http://a.jp/x/9", "http://a.jp/y/9", "http://b.jp/9", "http://c.jp/9"):
        assert rebuilt.rate(url) == live.rate(url)


@pytest.mark.parametrize(("url", "section"), [
    ("http://a.jp/docs/x?q=/y/z", "a.jp/docs/"), ("http://a.jp/x?q=/y", "a.jp/"), ("http://a.jp/x#/y", "a.jp/"),
    ("https://a.jp:8443/", "a.jp:8443/"), ("http://a.jp", "a.jp/"), ("http://a.jp?x=/y", "a.jp/"),
])
def test_a_query_or_fragment_is_no_folder(url: str, section: str) -> None:
    assert section_of(url)[1] == section
