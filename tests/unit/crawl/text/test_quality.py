from collections import Counter
from pathlib import Path

import pytest

from tandem.common.typed_config import ConfigError, load_config
from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.page_measures import NgramHashes
from tandem.crawl.text.quality import QualityFilter, QualitySettings

BUNDLED_NG_WORDS = load_ng_words(None)


def quality(**overrides: object) -> QualityFilter:
    return QualityFilter(QualitySettings(**overrides), BUNDLED_NG_WORDS)  # type: ignore[arg-type]


def test_ordinary_article_is_kept(article_text: str) -> None:
    assert quality().check(article_text) == (True, "ok")


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("short", lambda t: t[:300], "too_short"),
    ("english", lambda t: t + "\n" + "This line is English text for the test. " * 40, "japanese_fraction"),
    ("kanji only", lambda t: "漢字熟語羅列文章。" * 60, "hiragana_fraction"),
    ("no kana first", lambda t: "ID: 12345678901234567890 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnop\n" + t,
     "kana_at_start"),
    ("long sentences", lambda t: t.replace("。", "、"), "sentence_length"),
    ("ellipsis", lambda t: t.replace("。", "…\n"), "ellipsis"),
    ("duplicate lines", lambda t: t + ("\n同じ行が何度も何度も繰り返されているページです。" * 12), "duplicate_lines"),
    ("ng words", lambda t: "出会い系やオンラインカジノ、アダルト動画の情報商材で即金、無修正で高収入。"
     "無料登録で簡単に稼げる激安カジノ。今すぐ登録で必ず儲かる副業で月収百万、風俗の最安値情報。" + t, "ng_words"),
])
def test_each_filter_drops_its_case_with_its_own_reason(
        article_text: str, name: str, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert quality().check(make(article_text)) == (False, reason), name


def test_katakana_heavy_text_is_dropped(article_text: str) -> None:
    # A product list: the hiragana check (which runs first) would also drop it, so switch it off.
    listing = "".join(f"スマートウォッチ{i}とワイヤレスイヤホン{i}のプレミアムモデルセット。" for i in range(30))
    assert quality().check(listing)[0] is False
    assert quality(check_hiragana_fraction=False).check(listing) == (False, "katakana_fraction")


def test_duplicate_sentences_within_lines_are_caught(article_text: str) -> None:
    text = article_text + "\n" + "くり返しの多い一文がここにあります。" * 16
    keep, reason = quality(check_duplicate_lines=False).check(text)
    assert (keep, reason) == (False, "duplicate_sentences")


def test_compression_ratio_catches_repetition_the_others_allow(article_text: str) -> None:
    text = "あいうえおかきくけこ、さしすせそたちつてと。" * 40
    assert quality().check(text)[1] in {"duplicate_sentences", "compression_ratio"}
    only_zlib = {f"check_{k}": False for k in ("duplicate_lines", "duplicate_sentences", "top_ngrams",
                                               "duplicate_ngrams")}
    assert quality(**only_zlib).check(text) == (False, "compression_ratio")


def test_ngram_filters(article_text: str) -> None:
    repeated = "\n".join(f"第{i}回の記録、今日もまた同じように晴れていて気持ちのよい朝でした。" for i in range(30))
    switches = {"check_duplicate_lines": False, "check_duplicate_sentences": False,
                "check_compression_ratio": False}
    assert quality(**switches).check(repeated) == (False, "duplicate_ngrams")
    top = "のののののの、" + "あのの。" * 150
    assert quality(**switches, check_duplicate_ngrams=False).check(top)[1] in {"top_ngrams", "sentence_length"}
    assert quality(**switches, check_duplicate_ngrams=False, check_sentence_length=False).check(top) == (
        False, "top_ngrams")


def test_switching_a_filter_off_lets_its_case_through(article_text: str) -> None:
    assert quality(check_ng_words=False).check("出会い系で即金。" + article_text) == (True, "ok")
    assert quality(enabled=False).check("短い") == (True, "ok")


def test_ngram_hash_statistics_match_plain_counting(article_text: str) -> None:
    hashes = NgramHashes(article_text)
    for n in range(2, 11):
        expected = sorted(Counter(article_text[i:i + n] for i in range(len(article_text) - n + 1)).values())
        assert sorted(hashes.counts(n).tolist()) == expected


def test_settings_are_validated_as_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="min_hiragana_fraction"):
        QualitySettings(min_hiragana_fraction=1.5)
    with pytest.raises(ValueError, match="max_duplicate_ngram_fractions"):
        QualitySettings(max_duplicate_ngram_fractions=[0.1])
    config = tmp_path / "q.yaml"
    config.write_text("min_chars: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_chars"):
        load_config(QualitySettings, config)


def test_missing_ngwords_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ngwords_file"):
        load_ng_words("nope.txt", base_dir=tmp_path)


def test_ngwords_file_is_found_relative_to_base_dir(tmp_path: Path, article_text: str) -> None:
    (tmp_path / "ng.txt").write_text("# comment\n晴れ\n", encoding="utf-8")
    text = "晴れ" * 30 + "。" + article_text  # 60 of ~1,000 Japanese letters
    words = load_ng_words("ng.txt", base_dir=tmp_path)
    assert words == ["晴れ"]
    assert QualityFilter(QualitySettings(), words).check(text) == (False, "ng_words")


def test_the_bundled_list_is_read_from_the_package_not_the_checkout() -> None:
    words = load_ng_words(None)
    assert "アダルト" in words and not any(w.startswith("#") for w in words)
