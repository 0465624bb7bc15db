"""Each way the extractor used to lose main text, on a minimal page that shows it.

Seen on real Japanese documentation (DocBook XSL as HTML and XHTML, Sphinx, Javadoc, Scilab's
help): whole sections, link words, introductions, headings, table cells and code went missing.
"""

from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.normalize import normalize_text

INTRO = "この章では、パッケージを作るときに最初に読むべきことを説明します。"
PROSE = [
    "ソースパッケージを展開したら、まず付属の説明書を読んで、ビルドに必要なものを確かめてください。",
    "依存するライブラリが足りない場合は、パッケージ管理ツールを使ってあらかじめ入れておきます。",
    "準備が整ったら、作業用のディレクトリで設定スクリプトを実行し、出力に警告がないか確認します。",
    "ビルドが終わったら、できあがったファイルを一時的な場所に置いて、動作を試してから配布します。",
]
NAV = ('<div class="navheader"><a href="prev.html">前へ</a> <a href="index.html">目次</a> '
       '<a href="next.html">次へ</a></div>')


def extract(body: str, url: str = "http://docs.test/ch1.html", **settings: object) -> list[str]:
    html = f"<html><head><title>文書</title></head><body>{body}</body></html>"
    return Extractor(ExtractSettings(**settings)).extract(html, url).text.split("\n")  # type: ignore[arg-type]


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def test_an_xhtml_self_closing_anchor_does_not_swallow_the_section_after_it() -> None:
    # <a id="x"/> parses as an open <a>: everything after it became "link text", so the section
    # was dropped as a link list.
    html = ('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
            '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><head>'
            f'<title>文書</title></head><body>{NAV}<div class="chapter"><h2>1. はじめに</h2>'
            f'<a id="setup"/><p>{PROSE[0]}</p><p>{PROSE[1]}</p><a id="build"/><p>{PROSE[2]}</p></div></body></html>')
    text = Extractor(ExtractSettings()).extract(html, "http://docs.test/ch1.html").text.split("\n")
    assert text == ["1. はじめに", *PROSE[:3]]


def test_text_inside_an_anchor_without_href_is_not_link_text() -> None:
    # <a name="..."> wraps headings and paragraphs on older pages: a target, not a link.
    body = f'{NAV}<div><a name="s1"><h2>依存関係</h2><p>{PROSE[0]}</p><p>{PROSE[1]}</p></a><p>{PROSE[2]}</p></div>'
    assert extract(body) == ["依存関係", *PROSE[:3]]


def test_a_chrome_word_on_an_inline_link_inside_prose_keeps_the_link_words() -> None:
    # Sphinx marks every cross-reference class="reference internal".
    sentence = ('詳細については <a class="reference internal" href="build.html"><span class="doc">ビルドの手順</span>'
                '</a> を読んでください。')
    body = f'<div class="body">{paragraphs(PROSE[:2])}<p>{sentence}</p></div>'
    assert extract(body) == [*PROSE[:2], "詳細については ビルドの手順 を読んでください。"]


def test_chrome_words_match_whole_class_tokens_and_not_section_ids_made_from_headings() -> None:
    # Sphinx derives section ids from the heading: "copyright-considerations", "search-paths".
    body = (f'<div class="body"><section id="copyright-considerations"><h2>著作権</h2>{paragraphs(PROSE[:2])}'
            f'</section><section id="search-paths"><h2>検索パス</h2>{paragraphs(PROSE[2:])}</section></div>')
    assert extract(body) == ["著作権", *PROSE[:2], "検索パス", *PROSE[2:]]


def test_chrome_words_name_containers_not_paragraphs() -> None:
    # DocBook's title page: <p class="copyright"> is the manual's own text.
    body = (f'<div class="book"><div class="titlepage"><h1>新メンテナーガイド</h1>'
            f'<p class="copyright">製作著作 © 2005-2015 青木 修</p></div>{paragraphs(PROSE)}'
            '<div class="copyright">このサイトの内容の無断転載を禁じます。</div></div>')
    assert extract(body) == ["新メンテナーガイド", "製作著作 © 2005-2015 青木 修", *PROSE]


def test_the_introduction_and_sibling_sections_of_the_densest_section_are_kept() -> None:
    # One section holds most of the prose; the intro and the short sections beside it are text too.
    long_section = paragraphs([p + "詳しく書くと、" + p for p in PROSE] * 2)
    body = (f'{NAV}<div class="chapter"><h1>第2章 ビルド</h1><p>{INTRO}</p>'
            f'<div class="section"><h2>2.1 準備</h2><p>{PROSE[0]}</p></div>'
            f'<div class="section"><h2>2.2 手順</h2>{long_section}</div>'
            f'<div class="section"><h2>2.3 確認</h2><p>{PROSE[3]}</p></div></div>')
    text = extract(body)
    assert text[:4] == ["第2章 ビルド", INTRO, "2.1 準備", PROSE[0]]
    assert text[-2:] == ["2.3 確認", PROSE[3]]


def test_short_japanese_headings_terms_cells_and_list_items_are_kept() -> None:
    # Eight Japanese letters are a phrase: "引数", "はい", "設定項目" are text, not buttons.
    body = (f'<div class="refentry"><h2>引数</h2><dl><dt>名前</dt><dd>{PROSE[0]}</dd></dl>'
            f'<table><tr><th>項目</th><th>既定値</th></tr><tr><td>圧縮</td><td>はい</td></tr></table>'
            f'<ul><li>設定項目</li><li>{PROSE[1]}</li></ul><h3>注意</h3><p>{PROSE[2]}</p></div>')
    assert extract(body) == ["引数", "名前", PROSE[0], "項目", "既定値", "圧縮", "はい", "設定項目", PROSE[1],
                             "注意", PROSE[2]]


def test_a_short_japanese_sentence_outside_any_list_is_kept() -> None:
    body = f"<div>{paragraphs(PROSE[:2])}<p>以上です。</p></div>"
    assert extract(body)[-1] == "以上です。"


def test_pre_blocks_are_kept_whole_line_by_line_with_their_indentation() -> None:
    code = "for f in *.c; do\n  gcc -c $f\ndone\n\nif [ -x a.out ]; then\n    ./a.out\nfi\n"
    body = f'<div class="section">{paragraphs(PROSE[:2])}<pre class="screen">{code}</pre></div>'
    text = normalize_text("\n".join(extract(body)))
    assert text.split("\n")[2:] == ["for f in *.c; do", "  gcc -c $f", "done", "if [ -x a.out ]; then",
                                    "    ./a.out", "fi"]


def test_code_lines_that_recur_on_every_page_are_not_dropped_as_boilerplate() -> None:
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    texts = []
    for page in range(3):
        body = f"{NAV}<div>{paragraphs(PROSE[page:page + 2])}<pre>$ make\n$ sudo make install\n}}</pre></div>"
        html = f"<html><head><title>文書</title></head><body>{body}</body></html>"
        texts.append(extractor.extract(html, f"http://docs.test/ch{page}.html").text.split("\n"))
    assert all(text[-3:] == ["$ make", "$ sudo make install", "}"] for text in texts)


def test_a_phrase_that_recurs_in_different_places_is_content_not_boilerplate() -> None:
    # "詳細は…" ends a section wherever the section ends; a template line sits in one place.
    phrase = "詳細はマニュアルページを参照してください。"
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    texts = []
    for page in range(3):
        body = f"<div>{paragraphs(PROSE[:page + 1])}<p>{phrase}</p>{paragraphs(PROSE[page + 1:])}</div>"
        html = f"<html><head><title>文書</title></head><body>{body}</body></html>"
        texts.append(extractor.extract(html, f"http://docs.test/p{page}.html").text)
    assert all(phrase in text for text in texts)


def test_a_line_in_the_same_place_on_every_page_goes_once_the_host_repeats_it() -> None:
    notice = "この文書の内容は予告なく変更されることがあります。"
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    texts = []
    for page in range(3):
        body = f"<div>{paragraphs(PROSE[:page + 2])}<p>{notice}</p></div>"
        html = f"<html><head><title>文書</title></head><body>{body}</body></html>"
        texts.append(extractor.extract(html, f"http://docs.test/n{page}.html").text)
    assert notice in texts[0] and notice not in texts[1] and notice not in texts[2]


def test_a_heading_or_term_inside_its_own_permalink_anchor_is_not_a_link_list() -> None:
    # mdBook and cargo's man pages wrap headings and option terms in a link to their own id.
    body = (f'<main><h2 id="usage"><a class="header" href="#usage">使い方の概要</a></h2><p>{PROSE[0]}</p>'
            f'<dl><dt id="opt-v"><a href="#opt-v"><code>--verbose</code></a></dt><dd>{PROSE[1]}</dd></dl>'
            f'<h2 id="build"><a href="#build">ビルド</a></h2><p>{PROSE[2]}</p></main>')
    assert extract(body) == ["使い方の概要", PROSE[0], "--verbose", PROSE[1], "ビルド", PROSE[2]]
