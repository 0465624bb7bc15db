"""Line rules before the document filters: junk lines removed and counted, spacing mended; each
on one page, through the page analysis a crawl runs (NFKC, line rules, normalise, filters)."""

import pytest

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.line_rules import clean_lines
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.crawl.text.quality import PRESETS, QualitySettings

NG_WORDS = load_ng_words(None)
SPAM = [
    "ブランド 半額 即日発送 おすすめ レディース 通販 送料無料",
    "メンズ 財布 激安 新作 人気 ランキング 正規品",
    "ホーム | 会社概要 | お問い合わせ | サイトマップ | 採用情報",
    "【送料無料】ブランド・半額・即日発送・おすすめ・通販",
]


def analyzer(preset: str, stats: FilterStats | None = None) -> PageAnalyzer:
    return PageAnalyzer(ExtractSettings(), QualitySettings(preset=preset), NG_WORDS, filter_stats=stats)


@pytest.mark.parametrize("preset", PRESETS)
def test_keyword_lines_between_paragraphs_are_removed_and_counted(article_text: str, preset: str) -> None:
    paragraphs = article_text.split("\n")
    mixed = [line for pair in zip(paragraphs, SPAM * len(paragraphs), strict=False) for line in pair]
    stats = FilterStats()
    analysis = analyzer(preset, stats).analyse_text("\n".join(mixed))
    assert analysis.drop_reason is None
    assert analysis.text.split("\n") == paragraphs
    assert dict(stats.lines_removed) == {"keyword_run": len(paragraphs)}


@pytest.mark.parametrize("line", [
    "第 3 章 パッケージ管理",  # a numbered heading
    "わたしは がっこうに いきます。 ともだちと あそびます。",  # spaced writing has particles and stops
    "apt-get install devscripts build-essential lintian",  # a command
    "パッケージ名 バージョン 説明",  # a table header: three labels are not a keyword run
    "設定ファイルを 編集して から 再起動します",  # phrases end in particles
    "設定・運用・保守・監視",  # a heading joining four nouns with dots
])
def test_headings_commands_and_spaced_prose_are_not_keyword_runs(line: str) -> None:
    cleaned = clean_lines(line)
    assert not cleaned.removed
    assert cleaned.text.replace(" ", "") == line.replace(" ", "")


@pytest.mark.parametrize("preset", PRESETS)
def test_a_letter_spaced_page_is_dropped_in_both_presets(article_text: str, preset: str) -> None:
    spaced = "\n".join(" ".join(line) for line in article_text.split("\n"))
    assert analyzer(preset).analyse_text(spaced).drop_reason == "letter_spaced"


def test_letter_spaced_lines_with_latin_letters_and_punctuation_are_rejoined() -> None:
    assert clean_lines("W i n d o w s で は 、 設 定 を 開 き ま す 。").text == "Windowsでは、設定を開きます。"
    spaced = "Microsoft Word の 文 書 を 開 い て 、 編 集 し ま す"
    assert clean_lines(spaced).text == "Microsoft Wordの文書を開いて、編集します"


def test_a_letter_spaced_heading_is_rejoined(article_text: str) -> None:
    analysis = analyzer("web").analyse_text("パ ス ワ ー ド 管 理\n" + article_text)
    assert analysis.drop_reason is None
    assert analysis.text.split("\n")[0] == "パスワード管理"


def test_a_space_a_line_wrap_left_between_hiragana_goes() -> None:
    assert clean_lines("この値は設定によって更新され るもので、再起動のたびに変わります。").text == (
        "この値は設定によって更新されるもので、再起動のたびに変わります。")
    assert clean_lines("設定を変更すると、値は次の起動のときに更新 されます。").text == (
        "設定を変更すると、値は次の起動のときに更新されます。")
    spaced = "わたしは がっこうに いきます。 ともだちと あそびます。"  # wakachigaki: many spaces, kept
    assert clean_lines(spaced).text == spaced
    assert clean_lines("第1章 はじめに").text == "第1章 はじめに"  # a heading, not a sentence


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize(("ellipsis", "more"), [("…", " 続きを読む"), ("...", ""), (" […]", ""), ("", " 続きを読む »")])
def test_a_teaser_archive_is_dropped_in_both_presets(article_text: str, preset: str, ellipsis: str,
                                                     more: str) -> None:
    """Titles, each with a snippet cut short (and maybe a "read more" link): NFKC makes "…"
    "...", WordPress cuts with "[…]", a snippet may end in its link alone; in the technical
    preset a snippet ending so is a sentence."""
    sentences = [s + "。" for s in article_text.replace("\n", "").split("。") if s]
    entries = []
    for number, sentence in enumerate(sentences):
        entries += [f"記事のタイトル その{number + 1}", sentence + sentence[:18] + ellipsis + more]
    assert analyzer(preset).analyse_text("\n".join(entries)).drop_reason == "ellipsis"


def test_removed_lines_reach_stats_json_from_a_worker_and_survive_a_resume(article_text: str) -> None:
    from tandem.crawl.crawl_stats import CrawlStats

    worker = FilterStats(journaled=True)
    analyzer("web", worker).analyse_text("\n".join([SPAM[0], article_text, SPAM[1]]))
    crawl = CrawlStats(target=10)
    crawl.filters.add(worker.drain())
    assert crawl.metrics()["lines_removed"] == {"keyword_run": 2}
    resumed = CrawlStats(target=10)
    resumed.restore(crawl.saved())
    assert resumed.metrics()["lines_removed"] == {"keyword_run": 2}


def test_the_cluster_runs_the_same_line_rules(article_text: str) -> None:
    pytest.importorskip("datatrove", reason="the cluster extra is not installed")
    from datatrove.data import Document

    from tandem.crawl.cluster.steps import PAGE, text_steps
    from tandem.crawl.crawl_config import CrawlConfig
    from tandem.crawl.text import text_pipeline

    def through_cluster(text: str) -> list[Document]:
        docs: list[Document] = [Document(text="", id="1", metadata={PAGE: text_pipeline.Document("u", text=text)})]
        for step in text_steps(CrawlConfig(), NG_WORDS):
            docs = list(step.run(iter(docs)))
        return docs

    [kept] = through_cluster("\n".join([SPAM[0], article_text, SPAM[1]]))
    assert kept.text == article_text
    assert through_cluster("\n".join(" ".join(line) for line in article_text.split("\n"))) == []
