"""The Japanese pre-filter on raw bytes: what it refuses, and the Japanese pages it must let through
whatever their encoding or declarations say."""

from __future__ import annotations

import pytest

from tandem.crawl.text.prefilter import (
    REASON_LANGUAGE,
    REASON_NO_KANA,
    PrefilterSettings,
    prefilter_bytes,
    prefilter_text,
)

SETTINGS = PrefilterSettings()
CHINESE = "北京是中华人民共和国的首都，也是全国的政治、文化中心。这座城市有三千多年的历史。" * 20
TAIWANESE = "臺北是中華民國的首都，也是政治、文化中心。這座城市有三百多年的歷史。" * 20
KOREAN = "서울은 대한민국의 수도이며 가장 큰 도시이다. 한강이 도시를 가로질러 흐른다. " * 20
ENGLISH = "The quick brown fox jumps over the lazy dog, and then it runs into the forest. " * 40


def _page(body: str, head: str = "", lang: str = "") -> str:
    return f"<!DOCTYPE html><html{lang}><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(("codec", "head", "content_type"), [
    ("utf-8", '<meta charset="utf-8">', "text/html; charset=utf-8"),
    ("utf-8", "", "text/html"),
    ("cp932", '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', "text/html"),
    ("cp932", "", "text/html"),  # undeclared Shift_JIS
    ("cp932", "", "text/html; charset=ISO-8859-1"),  # a server default that lies
    ("euc_jp", "", "text/html"),
    ("euc_jp", "", "text/html; charset=EUC-JP"),
    ("iso2022_jp", "", "text/html"),
    ("utf-16", "", "text/html"),
])
def test_japanese_pages_pass_in_any_encoding(article_text: str, codec: str, head: str, content_type: str) -> None:
    body = _page(article_text, head).encode(codec)
    assert prefilter_bytes(body, SETTINGS, content_type) == (True, "ok")


def test_a_lying_lang_attribute_does_not_refuse_a_japanese_page(article_text: str) -> None:
    body = _page(article_text, lang=' lang="en"').encode()
    assert prefilter_bytes(body, SETTINGS, "text/html; charset=utf-8")[0]


def test_kana_written_as_character_references_count(article_text: str) -> None:
    body = _page("".join(f"&#{ord(c)};" if "\u3041" <= c <= "\u30fa" else c for c in article_text)).encode()
    assert prefilter_bytes(body, SETTINGS, "text/html")[0]


def test_kana_after_a_long_inline_script_are_found(article_text: str) -> None:
    script = "<script>" + "var x = 1;\n" * 30_000 + "</script>"  # ~330 KB before the text
    assert prefilter_bytes(_page(article_text, script).encode(), SETTINGS, "text/html")[0]


@pytest.mark.parametrize(("text", "codec"), [
    (ENGLISH, "utf-8"), (ENGLISH, "cp1252"), (CHINESE, "utf-8"), (CHINESE, "gb18030"), (TAIWANESE, "big5"),
    (KOREAN, "utf-8"), (KOREAN, "euc_kr"),
])
def test_pages_without_kana_are_refused(text: str, codec: str) -> None:
    assert prefilter_bytes(_page(text).encode(codec), SETTINGS, "text/html") == (False, REASON_NO_KANA)


def test_chinese_with_a_few_kana_is_refused_japanese_with_few_kanji_is_not() -> None:
    assert not prefilter_bytes(_page(CHINESE + "の").encode(), SETTINGS)[0]
    assert prefilter_bytes(_page("きょうは よい てんきです。" * 2).encode(), SETTINGS)[0]


def test_source_identified_languages_decide_when_trusted(article_text: str) -> None:
    body = _page(article_text).encode()
    assert prefilter_bytes(body, SETTINGS, identified_languages="eng,fra") == (False, REASON_LANGUAGE)
    assert prefilter_bytes(body, SETTINGS, identified_languages="eng,jpn")[0]
    assert prefilter_bytes(body, SETTINGS, identified_languages="ja")[0]
    distrust = PrefilterSettings(trust_identified_language=False)
    assert prefilter_bytes(body, distrust, identified_languages="eng")[0]


def test_declared_japanese_charset_is_enough() -> None:
    assert prefilter_bytes(_page(ENGLISH).encode(), SETTINGS, "text/html; charset=Shift_JIS")[0]


def test_sample_bytes_bounds_what_is_looked_at(article_text: str) -> None:
    body = _page(article_text, "<style>" + " " * 5000 + "</style>").encode()
    assert not prefilter_bytes(body, PrefilterSettings(sample_bytes=2048))[0]
    assert prefilter_bytes(body, PrefilterSettings(sample_bytes=1 << 20))[0]


def test_text_prefilter(article_text: str) -> None:
    assert prefilter_text(article_text, SETTINGS) == (True, "ok")
    assert prefilter_text(CHINESE, SETTINGS) == (False, REASON_NO_KANA)
    assert prefilter_text(article_text, SETTINGS, "en") == (False, REASON_LANGUAGE)
    assert prefilter_text("ｶﾀｶﾅﾃﾞｶｲﾃｱﾙﾌﾞﾝｼｮｳ", SETTINGS)[0]  # half-width katakana


def test_a_text_too_short_to_judge_by_its_kana_is_left_to_the_quality_filters() -> None:
    """Six kana in twelve characters is Japanese; refusing it as "no kana" would name the wrong
    reason (it is too short, and the quality filters say so)."""
    assert prefilter_text("短すぎる文書その0です。", SETTINGS) == (True, "ok")
    assert prefilter_text("北京の首都", SETTINGS) == (True, "ok")  # short, one kana: not judged either
    assert prefilter_text("北京是首都", SETTINGS) == (False, REASON_NO_KANA)  # no kana at all
    assert prefilter_text(CHINESE + "の", SETTINGS) == (False, REASON_NO_KANA)  # long enough to judge


def test_disabled_keeps_everything() -> None:
    off = PrefilterSettings(enabled=False)
    assert prefilter_bytes(ENGLISH.encode(), off)[0] and prefilter_text(ENGLISH, off)[0]


@pytest.mark.parametrize(("key", "value"), [("min_kana", 0), ("sample_bytes", 10)])
def test_bad_settings_are_refused(key: str, value: int) -> None:
    with pytest.raises(ValueError, match=key):
        PrefilterSettings(**{key: value})


def test_iso_2022_jp_with_only_jis_x_0212_letters_is_kept_as_decode_reads_it() -> None:
    """The pre-filter and decode share one reading of charsets (charset.py): a 7-bit page whose
    only escape is JIS X 0212's (ESC $ ( D) is ISO-2022-JP to both."""
    from tandem.crawl.text.decode import decode_body

    body = _page("").encode("ascii").replace(b"<p>", b"<p>\x1b$(D0!0\"0#\x1b(B")  # 丂丄丅 in JIS X 0212
    assert prefilter_bytes(body, SETTINGS, "text/html") == (True, "ok")
    assert decode_body(body, "text/html")[1] == "iso2022_jp"
