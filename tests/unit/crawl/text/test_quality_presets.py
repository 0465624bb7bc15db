"""The technical preset: what made technical Japanese unkeepable under Swallow's web rules, each
on a minimal page, and the junk it must still drop. Filters are named steps with counts and time."""

import random

import pytest

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.demosite.article_kinds import article_for
from tandem.demosite.prose import TOPICS, ProseGenerator

NG_WORDS = load_ng_words(None)
# A manual's prose: terms in ASCII, commands in the text, as Japanese documentation writes.
MANUAL = [
    "パッケージをビルドする前に、debian/control ファイルの Build-Depends 欄に必要なパッケージを書いておきます。",
    "ビルドには dpkg-buildpackage コマンドを使い、署名が不要なときは -us -uc オプションを付けて実行します。",
    "できあがった .deb ファイルは lintian で検査し、警告が出たら内容を読んで一つずつ直していきましょう。",
    "変更履歴は debian/changelog に書き、dch コマンドを使うと日付や署名の形式を間違えずに済みます。",
    "アップロードする前に、別の環境で pbuilder を使ってビルドし直し、依存関係の漏れがないか確かめます。",
    "ライブラリを含むパッケージでは、シンボルファイルを用意して ABI の変化に気づけるようにしておきます。",
    "パッチは quilt で管理し、上流に送れるものは説明を付けて送り、取り込まれたら削除するのがよい習慣です。",
    "設定ファイルは /etc に置き、利用者が変更した内容が更新のときに失われないように conffile として扱います。",
    "メンテナスクリプトは必要なときだけ書き、debhelper が生成する部分と手で書く部分をはっきり分けておきます。",
    "文書ファイルは /usr/share/doc の下に入り、著作権の情報は copyright ファイルに機械が読める形式で書きます。",
    "新しい上流版が出たら uscan で取得し、変更点を読んでからパッケージの版を上げて、もう一度ビルドします。",
    "バグ報告には丁寧に返事をし、修正したら changelog に Closes: の行を書いて、報告が自動で閉じるようにします。",
]


def check(text: str, preset: str, **overrides: object) -> tuple[bool, str]:
    return QualityFilter(QualitySettings(preset=preset, **overrides), NG_WORDS).check(text)  # type: ignore[arg-type]


def test_the_default_preset_is_swallows_web_rules() -> None:
    assert QualitySettings().preset == "web"
    assert QualitySettings().limits.min_compression_ratio == 0.30
    assert QualitySettings().limits.max_duplicate_ngram_fractions == [0.15, 0.14, 0.13, 0.12, 0.11, 0.10]


def test_a_limit_given_in_the_config_wins_over_the_presets() -> None:
    assert QualitySettings(preset="technical").limits.min_compression_ratio == 0.25
    assert QualitySettings(preset="technical", min_compression_ratio=0.4).limits.min_compression_ratio == 0.4
    with pytest.raises(ValueError, match="preset"):
        QualitySettings(preset="blog")


def test_commands_ascii_tables_and_spaces_are_not_counted_against_japanese() -> None:
    table = ["+----------+---------+", "| option   | default |", "+----------+---------+",
             "| -us      | off     |", "| -uc      | off     |", "+----------+---------+"]
    commands = ["$ dpkg-buildpackage -us -uc -b", "$ lintian --info --display-info ../foo_1.0-1_amd64.changes",
                "$ sudo pbuilder --build ../foo_1.0-1.dsc"]
    text = "\n".join([*MANUAL[:4], *table, *commands, *MANUAL[4:], *commands])
    assert check(text, "web") == (False, "japanese_fraction")
    assert check(text, "technical") == (True, "ok")


def test_an_english_paragraph_is_several_sentences_not_one_long_one() -> None:
    english = ("The Build-Depends field lists the packages needed to build the source. Each entry may carry a "
               "version. Architecture restrictions are written in square brackets after the package name. "
               "Build profiles go in angle brackets.")
    text = "\n".join([*MANUAL[:4], english, *MANUAL[4:]])
    assert check(text, "web") == (False, "sentence_length")
    assert check(text, "technical") == (True, "ok")


def test_an_english_heading_first_does_not_fail_the_kana_check() -> None:
    text = "\n".join(["Debian New Maintainers' Guide: Building the package with dpkg-buildpackage", *MANUAL])
    assert check(text, "web") == (False, "kana_at_start")
    assert check(text, "technical") == (True, "ok")


def test_repeated_code_lines_are_not_repetition() -> None:
    loop = ["for f in debian/*.install; do", "  echo $f", "done"]
    condition = ["if [ -f debian/rules ]; then", "  chmod +x debian/rules", "fi"]
    text = "\n".join([MANUAL[0], *loop, MANUAL[1], *condition, MANUAL[2], *loop, MANUAL[3], *condition,
                      *MANUAL[4:], *loop, *condition])
    # (the web rules would drop it for its ASCII share first: switched off to show the repetition)
    assert check(text, "web", check_japanese_fraction=False) == (False, "duplicate_lines")
    assert check(text, "technical") == (True, "ok")


@pytest.mark.parametrize("kind", ["too_short", "repetitive", "katakana_heavy", "ng_words", "english"])
def test_the_technical_preset_still_drops_the_demo_sites_junk(kind: str) -> None:
    topic = next(iter(TOPICS))
    prose = ProseGenerator(random.Random(7))
    originals = [("/a.html", prose.article(topic))]
    article, _ = article_for(kind, topic, prose, originals, random.Random(7))
    assert check("\n".join([article.title, *article.paragraphs]), "technical")[0] is False


@pytest.mark.parametrize(("name", "text"), [
    ("navigation", "\n".join(["ホーム", "前へ", "次へ", "目次", "索引", "検索", "トップに戻る", "先頭へ"] * 20)),
    ("keyword stuffing", "\n".join(f"格安 パッケージ 比較 ランキング おすすめ 口コミ 評判 {i}位" for i in range(60))),
    ("template spam", "\n".join(f"第{i}回の記録、今日もまた同じように晴れていて気持ちのよい朝でした。"
                                 for i in range(30))),
    ("code dump", "\n".join(["#include <stdio.h>", "int main(void) {", '    printf("hello\\n");',
                             "    return 0;", "}"] * 40)),
    ("mostly English", "\n".join(["This chapter explains how the package is built from its source. " * 3] * 12
                                 + MANUAL[:2])),
])
def test_the_technical_preset_drops_boilerplate_and_spam(name: str, text: str) -> None:
    assert check(text, "technical")[0] is False, name


def test_each_filter_is_a_named_step_with_its_own_count_and_time() -> None:
    ticks = iter(range(1000))
    stats = FilterStats(clock=lambda: float(next(ticks)))
    quality = QualityFilter(QualitySettings(), NG_WORDS, stats)
    assert quality.check("短い。")[1] == "too_short"
    english = "This is English text for the test. " * 40
    assert quality.check("\n".join([*MANUAL, english]))[1] == "japanese_fraction"
    steps = stats.to_json()
    assert steps["too_short"] == {"checked": 2, "dropped": 1, "seconds": 2.0}
    assert steps["japanese_fraction"] == {"checked": 1, "dropped": 1, "seconds": 1.0}
    assert list(steps) == ["letter_spaced", "too_short", "japanese_fraction"]
    restored = FilterStats()
    restored.restore(steps)
    assert restored.to_json() == steps


PROCEDURE_STEPS = ["「ファイル」メニューを開きます。", "「設定」を選びます。", "「OK」をクリックします。",
                   "「閉じる」をクリックします。"]


def test_a_procedure_that_repeats_its_steps_in_every_section_is_kept_by_the_technical_preset() -> None:
    sections = []
    for number, intro in enumerate(MANUAL[:8]):
        sections += [f"手順 {number + 1}: 項目の設定", intro, *PROCEDURE_STEPS[:2],
                     f"一覧から項目 {number + 1} を選び、値を入力します。", *PROCEDURE_STEPS[2:]]
    text = "\n".join(sections)
    assert check(text, "web") == (False, "duplicate_lines")
    assert check(text, "technical") == (True, "ok")


def test_a_kanji_heading_before_an_english_term_does_not_fail_the_kana_check() -> None:
    text = "\n".join(["概要", "Debian Free Software Guidelines (DFSG) and the Social Contract of the project",
                      *MANUAL])
    assert check(text, "technical") == (True, "ok")


def test_the_technical_preset_keeps_the_japanese_part_of_a_manual_with_an_english_appendix() -> None:
    from tandem.crawl.text.extract import ExtractSettings
    from tandem.crawl.text.page_analysis import PageAnalyzer

    licence = ["GNU GENERAL PUBLIC LICENSE", "Version 2, June 1991",
               "Everyone is permitted to copy and distribute verbatim copies of this license document, "
               "but changing it is not allowed."] + [
        f"Section {n}. This License applies to any program or other work which contains a notice placed by "
        "the copyright holder saying it may be distributed under the terms of this General Public License. "
        "The act of running the Program is not restricted, and the output from the Program is covered only "
        "if its contents constitute a work based on the Program." for n in range(12)]
    stats = FilterStats()
    analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(preset="technical"), NG_WORDS, filter_stats=stats)
    analysis = analyzer.analyse_text("\n".join([*MANUAL, *licence]))
    assert analysis.drop_reason is None
    assert analysis.text.split("\n") == MANUAL
    assert stats.lines_removed["english_appendix"] == len(licence)
    web = PageAnalyzer(ExtractSettings(), QualitySettings(preset="web"), NG_WORDS)
    assert web.analyse_text("\n".join([*MANUAL, *licence])).drop_reason == "japanese_fraction"
