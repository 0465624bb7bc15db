"""The score of single pages: what the priority frontier ranks their links by."""

from __future__ import annotations

import html

import pytest

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.crawl.text.page_measures import PageMeasures
from tandem.crawl.text.page_score import LINK_PAGE_WEIGHT, japanese_evidence, page_score
from tandem.crawl.text.quality import QualitySettings

ENGLISH = ("This page is written in English for readers abroad, with several sentences of ordinary prose "
           "about the weather, the trains and the shops near the station. ") * 8


def score_of(body: str, score_pages: bool = True) -> tuple[str | None, float]:
    analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(), load_ng_words(None), score_pages=score_pages)
    page = analyzer.analyse_html(body.encode(), "text/html; charset=utf-8", "http://site.test/page.html")
    return page.drop_reason, page.score


def page(paragraphs: list[str], links: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    anchors = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in links)
    return (f'<html lang="ja"><head><meta charset="utf-8"><title>t</title></head><body><article>{body}</article>'
            f"<ul>{anchors}</ul></body></html>")


def test_a_kept_page_scores_1(article_text: str) -> None:
    assert score_of(page(article_text.split("\n"))) == (None, 1.0)


def test_a_page_just_short_of_a_limit_scores_close_to_1(article_text: str) -> None:
    reason, score = score_of(page([article_text[:330]]))
    assert reason == "too_short"
    assert 0.75 < score < 1.0


def test_an_english_page_scores_near_0() -> None:
    reason, score = score_of(page([ENGLISH]))
    assert reason is not None and score < 0.1


def test_a_link_page_with_japanese_anchors_is_worth_its_anchors() -> None:
    titles = ["パッケージの作り方について", "ソースコードをビルドする手順", "よくある質問とその答え",
              "変更履歴の書き方と注意点"]
    links = [(f"/doc/{i}.html", titles[i % 4] + f"（その{i}）") for i in range(30)]
    reason, score = score_of(page(["目次"], links))
    assert reason == "too_short"
    assert score == pytest.approx(LINK_PAGE_WEIGHT)
    english_links = [(f"/doc/{i}.html", f"Chapter {i}: building the package") for i in range(30)]
    assert score_of(page(["Contents"], english_links))[1] < 0.1


def test_keyword_spam_scores_below_a_link_page_though_it_is_all_japanese() -> None:
    products = ["スマートフォン", "タブレット", "ノートパソコン", "ワイヤレスイヤホン", "モバイルバッテリー"]
    spam = "、".join(products * 40)
    reason, score = score_of(page([spam + "が激安です。"] * 3))
    assert reason is not None
    assert score < LINK_PAGE_WEIGHT / 2


def test_the_score_is_within_0_and_1_for_an_empty_page() -> None:
    settings = QualitySettings()
    assert page_score(PageMeasures("", False), settings, "too_short", 0.0) == 0.0
    assert page_score(PageMeasures("", False), settings, "too_short", 5.0) == LINK_PAGE_WEIGHT


def test_japanese_evidence_counts_kana_up_to_its_saturation() -> None:
    assert japanese_evidence("<a>English only</a>") == 0.0
    assert japanese_evidence("あ" * 50) == 0.25
    assert japanese_evidence("あ" * 10_000) == 1.0


def test_pages_are_not_scored_unless_asked(article_text: str) -> None:
    assert score_of(page(article_text.split("\n")), score_pages=False) == (None, 0.0)
