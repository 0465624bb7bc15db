import pytest

from tandem.crawl.text.decode import codec_name, decode_body

TEXT = "日本語のページです。髙橋さんの①番目の記事、㈱の表記も含みます。ｶﾀｶﾅも。" * 3
PLAIN = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。" * 4


def page(encoding: str, charset_label: str | None, http_equiv: bool = False, text: str = PLAIN) -> bytes:
    meta = ""
    if charset_label and http_equiv:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_label}">'
    elif charset_label:
        meta = f'<meta charset="{charset_label}">'
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>".encode(encoding)


@pytest.mark.parametrize(("codec", "label", "expected"), [
    ("utf-8", "UTF-8", "utf-8"),
    ("cp932", "Shift_JIS", "cp932"),
    ("euc_jp", "EUC-JP", "euc_jp"),
    ("iso2022_jp", "ISO-2022-JP", "iso2022_jp"),
])
def test_each_encoding_from_header_meta_http_equiv_and_detection(codec: str, label: str, expected: str) -> None:
    for body, content_type in [
        (page(codec, None), f"text/html; charset={label}"),  # header only
        (page(codec, label), "text/html"),  # <meta charset>
        (page(codec, label, http_equiv=True), None),  # http-equiv
        (page(codec, None), "text/html"),  # nothing declared: detection
    ]:
        text, used = decode_body(body, content_type)
        assert PLAIN in text, (label, content_type)
        assert used == expected


def test_shift_jis_is_read_as_cp932_so_vendor_characters_survive() -> None:
    body = page("cp932", "Shift_JIS", text=TEXT)
    text, used = decode_body(body, "text/html; charset=shift_jis")
    assert used == "cp932"
    assert TEXT in text and "\ufffd" not in text


def test_euc_jp_without_declaration_is_not_mistaken_for_cp932() -> None:
    text, used = decode_body(page("euc_jp", None), None)
    assert used == "euc_jp" and PLAIN in text


def test_wrong_header_falls_back_to_meta_then_detection() -> None:
    body = page("euc_jp", "EUC-JP")
    text, used = decode_body(body, "text/html; charset=utf-8")  # mislabelled by the server
    assert used == "euc_jp" and PLAIN in text


def test_utf8_bom_wins_over_declarations() -> None:
    body = b"\xef\xbb\xbf" + page("utf-8", "Shift_JIS")
    text, used = decode_body(body, "text/html; charset=euc-jp")
    assert used == "utf-8" and PLAIN in text


def test_undecodable_bytes_still_give_text() -> None:
    text, _ = decode_body(b"\xff\xfa" + "テストの文章です".encode() + b"\x80\x81", None)
    assert "テストの文章です" in text


def test_codec_name_maps_labels_and_rejects_unknown() -> None:
    assert codec_name("SJIS") == "cp932"
    assert codec_name(" Windows-31J ") == "cp932"
    assert codec_name("x-euc-jp") == "euc_jp"
    assert codec_name("no-such-charset") is None


def test_declared_shift_jis_with_a_stray_bad_byte_still_reads_as_cp932() -> None:
    body = page("cp932", "Shift_JIS").replace(b"<p>", b"<p>\x81\x20", 1)
    text, used = decode_body(body, None)
    assert used == "cp932" and PLAIN in text


def test_undeclared_latin1_page_is_not_read_as_japanese() -> None:
    body = ("<html><body><p>" + "Le café crème était très apprécié à Noël, à côté du théâtre. " * 8
            + "</p></body></html>").encode("latin-1")
    text, used = decode_body(body, None)
    assert used not in ("cp932", "euc_jp")
    assert "Le café" in text  # the detector may pick a cousin of Latin-1; never a Japanese codec


def test_a_servers_default_latin1_header_does_not_hide_a_japanese_page() -> None:
    text, used = decode_body(page("cp932", "Shift_JIS"), "text/html; charset=ISO-8859-1")
    assert used == "cp932" and PLAIN in text
    text, used = decode_body(page("utf-8", None), "text/html; charset=iso-8859-1")
    assert used == "utf-8" and PLAIN in text
    western = "<p>Le café était très apprécié.</p>".encode("latin-1")
    assert decode_body(western, "text/html; charset=ISO-8859-1") == (western.decode("cp1252"), "cp1252")
