import json
import random
from urllib.parse import urljoin

import pytest

from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.demosite.page_layout import COPYRIGHT, LAYOUTS, NOTICE, PROFILE, SHARE, TAGLINE, PageParts, render_page
from tandem.demosite.prose import ProseGenerator

SHORT = [
    "今朝は早起きして、近所の川沿いをゆっくり散歩してきました。空気が澄んでいて気持ちがよかったです。",
    "途中で見つけた小さなパン屋さんで、焼きたてのクロワッサンを買って帰りました。",
    "午後は図書館へ行き、前から気になっていた歴史小説を借りてきたので、週末に読むつもりです。",
]
# A blog post of ordinary length (~700 characters), as the demo site's articles are.
PARAGRAPHS = ProseGenerator(random.Random(5)).article("旅行", 4, 4).paragraphs
CHROME = [TAGLINE, PROFILE, SHARE, COPYRIGHT, NOTICE, "関連記事", "人気の記事", "ホーム", "お問い合わせ"]


def html_for(layout: str, paragraphs: list[str] = PARAGRAPHS, seed: int = 0) -> str:
    parts = PageParts("散歩とパン屋", paragraphs, [("/a/1.html", "前の記事のタイトル"), ("/a/2.html", "次の記事")],
                      ["料理", "旅行", "読書"], topic="暮らし")
    return render_page(layout, parts, "utf-8", "meta", random.Random(seed)).decode("utf-8")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_boilerplate_is_removed_in_every_layout(layout: str) -> None:
    page = Extractor(ExtractSettings(repeated_lines=False)).extract(html_for(layout), "http://site.test/a/3.html")
    lines = page.text.split("\n")
    for paragraph in PARAGRAPHS:
        assert paragraph in lines
    for chrome in CHROME:
        assert all(chrome not in line for line in lines if layout != "table" or chrome != NOTICE), chrome
    assert page.title == "散歩とパン屋"


def test_sidebar_prose_beside_a_short_post_goes_once_the_host_repeats_it() -> None:
    # With a post shorter than the sidebar's blurb plus other chrome, the structural pass alone
    # cannot tell which prose is the article; the repetition pass removes the blurb from page 2 on.
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    first = extractor.extract(html_for("table", SHORT), "http://site.test/a/1.html").text
    second = extractor.extract(html_for("table", [p + "二" for p in SHORT]), "http://site.test/a/2.html").text
    assert PROFILE in first
    assert PROFILE not in second and second.split("\n") == [p + "二" for p in SHORT]


def test_table_notice_inside_the_content_cell_goes_once_the_host_repeats_it() -> None:
    extractor = Extractor(ExtractSettings(repeat_min_pages=3))
    texts = [extractor.extract(html_for("table", [p + f"その{i}。" for p in PARAGRAPHS], seed=i),
                               f"http://site.test/a/{i}.html").text for i in range(4)]
    assert NOTICE in texts[0] and NOTICE in texts[1]
    assert NOTICE not in texts[2] and NOTICE not in texts[3]
    assert f"{PARAGRAPHS[0]}その3。" in texts[3]


def test_repeated_lines_are_counted_per_host() -> None:
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    extractor.extract(html_for("table"), "http://one.test/1.html")
    assert NOTICE in extractor.extract(html_for("table"), "http://two.test/1.html").text
    assert NOTICE not in extractor.extract(html_for("table"), "http://one.test/2.html").text


def test_state_round_trips_through_json() -> None:
    first = Extractor(ExtractSettings(repeat_min_pages=3))
    first.extract(html_for("table"), "http://one.test/1.html")
    first.extract(html_for("table"), "http://one.test/2.html")
    second = Extractor(ExtractSettings(repeat_min_pages=3))
    second.load_state(json.loads(json.dumps(first.state_dict())))
    assert NOTICE not in second.extract(html_for("table"), "http://one.test/3.html").text
    assert NOTICE in Extractor(ExtractSettings(repeat_min_pages=3)).extract(html_for("table"), "http://one.test/3.html").text
    with pytest.raises(ValueError, match="version"):
        second.load_state({"version": 99})


def test_links_are_absolute_deduplicated_and_skip_non_http_schemes() -> None:
    html = ('<html><head><base href="/docs/"></head><body><a href="a.html">A</a><a href="a.html">A</a>'
            '<a href="https://other.test/x#frag">X</a><a href="mailto:x@y">m</a><a href="#top">t</a>'
            '<a href="javascript:void(0)">j</a></body></html>')
    page = Extractor(ExtractSettings()).extract(html, "http://site.test/index.html")
    assert page.links == ["http://site.test/docs/a.html", "https://other.test/x#frag"]


def test_lang_comes_from_html_or_content_language() -> None:
    extractor = Extractor(ExtractSettings())
    assert extractor.extract('<html lang="ja-JP"><body>x</body></html>', "http://s.test/").lang == "ja"
    meta = '<html><head><meta http-equiv="Content-Language" content="ja"></head><body>x</body></html>'
    assert extractor.extract(meta, "http://s.test/").lang == "ja"
    assert extractor.extract("<html><body>x</body></html>", "http://s.test/").lang is None


def test_a_page_wrapped_in_a_header_named_div_keeps_its_text() -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f'<html><body><div class="header-wrapper"><div class="nav">ホーム</div>{body}</div></body></html>'
    text = Extractor(ExtractSettings()).extract(html, "http://s.test/").text
    assert text.split("\n") == PARAGRAPHS


def test_br_separated_text_and_pre_blocks_become_lines() -> None:
    html = (f"<html><body><div>{SHORT[0]}<br><br>{SHORT[1]}"
            "<pre>def main():\n    return 0\n</pre></div></body></html>")
    text = Extractor(ExtractSettings(min_block_chars=0)).extract(html, "http://s.test/").text
    assert text.split("\n") == [*SHORT[:2], "def main():", "    return 0"]


def test_empty_and_broken_html_do_not_raise() -> None:
    extractor = Extractor(ExtractSettings())
    assert extractor.extract("", "http://s.test/").text == ""
    assert extractor.extract("<div><p>閉じていない", "http://s.test/").text == "閉じていない"  # a phrase


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="max_link_density"):
        ExtractSettings(max_link_density=2.0)
    with pytest.raises(ValueError, match="repeat_min_pages"):
        ExtractSettings(repeat_min_pages=1)


def test_pathologically_deep_nesting_does_not_overflow_the_stack() -> None:
    depth = 5_000
    html = "<html><body>" + "<div>" * depth + SHORT[0] + "</div>" * depth + "<font>" * depth + SHORT[1]
    text = Extractor(ExtractSettings()).extract(html, "http://s.test/").text
    assert text.split("\n") == SHORT[:2]


def test_every_link_form_is_resolved_like_urljoin() -> None:
    hrefs = ["/p/../q.html", "//cdn.test/lib.js", "../up.html", "./same.html", "?page=2", "/plain.html",
             "HTTP://Upper.test/", "https://x.test/a b"]
    html = "<html><body>" + "".join(f'<a href="{h}">l</a>' for h in hrefs) + "</body></html>"
    base = "https://site.test/dir/page.html"
    page = Extractor(ExtractSettings()).extract(html, base)
    assert page.links == [urljoin(base, href) for href in hrefs]
    assert page.links[:2] == ["https://site.test/q.html", "https://cdn.test/lib.js"]


def test_mediawiki_chrome_is_removed() -> None:
    body = "".join(f'<p>{p}<sup class="reference"><a href="#cite-{i}">[{i}]</a></sup></p>'
                   for i, p in enumerate(SHORT, start=1))
    html = f"""<html lang="ja"><head><title>散歩 - Wikipedia</title></head><body>
<a class="mw-jump-link" href="#content">コンテンツにスキップ</a>
<div id="mw-navigation"><div id="mw-panel"><a href="/wiki/Main">メインページ</a></div></div>
<div id="content"><h1 id="firstHeading">散歩</h1><div id="mw-content-text"><div class="mw-parser-output">
<div id="toc" class="toc"><div class="toctitle">目次</div><ul><li><a href="#a">1 歴史</a></li></ul></div>
<h2><span class="mw-headline">散歩の歴史と文化</span><span class="mw-editsection">[<a href="?edit">編集</a>]</span></h2>
{body}
<div class="navbox"><table><tr><td><a href="/a">関連項目その一</a>
<a href="/b">関連項目その二</a></td></tr></table></div>
</div></div><div id="catlinks" class="catlinks">カテゴリ: <a href="/c">生活</a></div></div>
<div id="footer"><p>最終更新 2024年1月1日 (月) 00:00 (日時は個人設定で未設定ならばUTC)。</p></div></body></html>"""
    page = Extractor(ExtractSettings()).extract(html, "https://ja.wikipedia.org/wiki/散歩")
    assert page.title == "散歩"
    # Footnote markers are inline in the sentence: class words never remove inline elements
    # (Sphinx puts class="reference" on every cross-reference). Edit links are inline chrome.
    assert page.text.split("\n") == ["散歩", "散歩の歴史と文化", *(f"{p}[{i}]" for i, p in enumerate(SHORT, start=1))]


def test_a_shared_sentence_inside_the_text_of_similar_pages_stays() -> None:
    """Similar pages of a manual share sentences at the same place; only template lines around
    the text are repeated lines, never one between lines of the page's own text."""
    shared = "設定を変更したあとは、サービスを再起動してから動作を確認してください。"
    extractor = Extractor(ExtractSettings(repeat_min_pages=2))
    for number in range(4):
        own = [f"{line}その{number}。" for line in SHORT]
        body = "".join(f"<p>{line}</p>" for line in [own[0], shared, own[1], own[2], NOTICE])
        text = extractor.extract(f"<html><body><div class='main'><h1>手順 {number}</h1>{body}</div></body></html>",
                                 f"http://manual.test/{number}.html").text
        assert shared in text
    assert NOTICE not in text


def test_one_variant_of_hidden_os_alternatives_is_read_never_their_glued_text() -> None:
    switch = ('<span class="switchinline"><span hidden="true" class="MAC">Command+F9</span>'
              '<span hidden="true" id="default_1">Ctrl+F9</span></span>')
    answer = '<div hidden>折りたたまれた回答も本文の一部として読まれます。</div>'
    tabs = ('<div class="tabs"><div>一つ目のタブには、インストールの手順が書かれています。</div>'
            '<div hidden>二つ目のタブには、設定の手順が書かれています。</div>'
            '<div hidden>三つ目のタブには、削除の手順が書かれています。</div></div>')
    html = (f"<html><body><main><p>{SHORT[0]}</p><p>フィールドを表示するには {switch} を押します。</p>"
            f"{answer}{tabs}<p>{SHORT[1]}</p></main></body></html>")
    lines = Extractor(ExtractSettings()).extract(html, "http://help.test/a.html").text.split("\n")
    assert "フィールドを表示するには Ctrl+F9 を押します。" in lines
    assert "折りたたまれた回答も本文の一部として読まれます。" in lines
    assert "三つ目のタブには、削除の手順が書かれています。" in lines


def test_plain_relative_links_are_resolved_like_urljoin() -> None:
    hrefs = ["page.html", "sub/page.html#part", "page.html?x=1", "a:b.html", "..", "x/../y.html", "é.html"]
    html = "<html><body>" + "".join(f'<a href="{h}">l</a>' for h in hrefs) + "</body></html>"
    for base in ("https://site.test/dir/page.html?q=1", "https://site.test", "https://site.test/dir/"):
        assert Extractor(ExtractSettings()).extract(html, base).links == [urljoin(base, h) for h in hrefs]


def test_links_up_a_folder_are_resolved_like_urljoin() -> None:
    # Javadoc's links are all "../../pkg/Class.html#method()"; they skip urljoin's parsing.
    hrefs = ["../up.html", "../../../above/root.html", "../a//b.html", "../x.html#m(int, java.lang.String)",
             "../x.html#", "../a/./b.html", "../a/../b.html", "../c..d/e.html", "../p;x.html", "../q.html?y=1#z",
             "../日本語.html", "../%7Euser/", "../a\tb.html"]
    html = "<html><body>" + "".join(f'<a href="{h}">l</a>' for h in hrefs) + "</body></html>"
    for base in ("https://site.test/d1/d2/page.html?q=1", "https://site.test", "https://site.test/d1//d2/",
                 "https://site.test/d1/./d2/p.html", "http://site.test:8080/d1/p;params"):
        want = list(dict.fromkeys(urljoin(base, h) for h in hrefs))  # links are deduplicated
        assert Extractor(ExtractSettings()).extract(html, base).links == want, base


@pytest.mark.parametrize("doctype", ["<!DOCTYPE html>", ""])  # without one, class selectors ignore case
def test_a_hidden_variant_that_is_inline_chrome_too_is_skipped_as_chrome(doctype: str) -> None:
    # Hidden elements and inline chrome are found by one query: the shown variant is skipped as
    # a "¶" permalink where its class is headerlink (in quirks mode, whatever its case).
    switch = ('<span class="switch"><span hidden id="default_1" class="HeaderLink">¶</span>'
              '<span hidden>Ctrl+F9</span></span>')
    html = (f"{doctype}<html><body><main><p>{SHORT[0]}</p><p>フィールドを表示するには {switch} を押します。</p>"
            f'<h2>見出し<a class="headerlink" href="#h">¶</a></h2><p>{SHORT[1]}</p></main></body></html>')
    lines = Extractor(ExtractSettings()).extract(html, "http://help.test/a.html").text.split("\n")
    shown = "¶ " if doctype else ""
    assert f"フィールドを表示するには {shown}を押します。" in lines
    assert "見出し" in lines
