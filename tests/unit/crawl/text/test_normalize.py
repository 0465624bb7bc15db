from tandem.crawl.text.normalize import japanese_ratio, normalize_text, text_id


def test_nfkc_folds_fullwidth_ascii_and_halfwidth_kana() -> None:
    assert normalize_text("ＡＢＣ１２３　ｶﾀｶﾅ") == "ABC123 カタカナ"


def test_whitespace_is_tidied_and_blank_lines_dropped() -> None:
    assert normalize_text("  一行目\t\tです \n\n\n　二行目 \r\n") == "一行目 です\n二行目"


def test_text_id_is_stable_hex_and_distinguishes_texts() -> None:
    first = text_id("今日は晴れです。")
    assert first == text_id("今日は晴れです。")
    assert first != text_id("今日は雨です。")
    assert len(first) == 32 and int(first, 16) >= 0


def test_japanese_ratio_counts_kana_and_kanji_among_visible_chars() -> None:
    assert japanese_ratio("日本語abc") == 0.5
    assert japanese_ratio("ひらがな カタカナ") == 1.0
    assert japanese_ratio("   ") == 0.0
