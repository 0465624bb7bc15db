"""How a link is ranked in the quality-ranked frontier: inherited worth, decay, same-site bonus,
and what its URL alone says."""

from __future__ import annotations

import pytest

from tandem.crawl.fetching.link_priority import (
    DECAY,
    NEW_HOST_BONUS,
    SAME_SITE_BONUS,
    link_priority,
    seed_priority,
    sitemap_priority,
    url_penalty,
)


def test_a_link_inherits_its_pages_score_decayed_by_one_hop() -> None:
    assert link_priority(1.0, 0.0, False, "http://a.jp/x.html") == DECAY
    assert link_priority(0.2, 0.0, False, "http://a.jp/x.html") == pytest.approx(0.2 * DECAY)


def test_a_chain_of_poor_pages_fades_hop_by_hop_while_good_pages_keep_their_links_high() -> None:
    priority = 1.0  # a good page's link
    for _ in range(4):  # four junk pages in a row: two decays a hop (into the page, out of it)
        priority = link_priority(0.05, priority, False, "http://a.jp/junk.html")
    assert priority == pytest.approx(DECAY ** 8, abs=1e-3)
    good = link_priority(1.0, priority, False, "http://a.jp/next.html")
    assert good == DECAY > priority


def test_good_pages_give_their_own_site_a_bonus_poor_ones_do_not() -> None:
    assert link_priority(0.8, 0.0, True, "http://a.jp/x") == pytest.approx(0.8 * DECAY + 0.8 * SAME_SITE_BONUS)
    assert link_priority(0.3, 0.0, True, "http://a.jp/x") == link_priority(0.3, 0.0, False, "http://a.jp/x")
    assert link_priority(1.0, 1.0, True, "http://a.jp/x") <= 1.0


@pytest.mark.parametrize("url", [
    "http://a.jp/en/guide.html", "http://a.jp/guide.html?lang=en", "http://a.jp/manual.pdf",
    "http://a.jp/events?date=2026-12-01", "http://a.jp/blog?year=2019&month=3", "http://a.jp/calendar/2026/12/",
    "http://a.jp/page?sid=8f3a9c", "http://a.jp/list?PHPSESSID=abc", "http://a.jp/archive?d=202612",
])
def test_url_evidence_lowers_english_editions_documents_calendars_and_sessions(url: str) -> None:
    assert url_penalty(url) > 0
    assert link_priority(1.0, 0.0, False, url) < link_priority(1.0, 0.0, False, "http://a.jp/guide.html")


def test_a_japanese_edition_gets_a_little_more_and_plain_urls_nothing() -> None:
    assert url_penalty("http://a.jp/ja/guide.html") < 0
    assert url_penalty("http://a.jp/docs/entry?id=42&page=2") == 0


def test_seeds_come_first_and_sitemap_pages_in_the_middle() -> None:
    assert seed_priority("http://a.jp/") == 1.0
    assert 0 < sitemap_priority("http://a.jp/p1.html") < DECAY
    assert sitemap_priority("http://a.jp/p1.pdf") < sitemap_priority("http://a.jp/p1.html")


def test_the_first_link_to_a_host_never_queued_gets_a_look() -> None:
    assert link_priority(0.0, 0.0, False, "http://new.jp/", new_host=True) == pytest.approx(NEW_HOST_BONUS)
    assert link_priority(0.0, 0.0, False, "http://new.jp/") == 0.0
