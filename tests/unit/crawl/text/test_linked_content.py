"""Link-only content that belongs to the main text stays: table cells beside their text, index
terms before their description, a labelled "see also" list; navigation outside the main text,
and a table of contents or a list of the site's other posts inside it, still go."""

from tandem.crawl.text.extract import Extractor, ExtractSettings

PROSE = "<p>このパッケージはネットワークの設定を管理するためのもので、無線と有線の両方に対応しています。</p>"
TOC = ('<ul><li><a href="#s1">1. 概要</a><ul><li><a href="#s1-1">1.1 対象</a></li></ul></li>'
       '<li><a href="#s2">2. 導入の手順</a></li></ul>')
PAGE = f"""<html><body><div id="menu"><ul><li><a href="/">ホーム</a></li><li><a href="/p">製品一覧</a></li></ul></div>
<div class="content"><h1>無線 LAN の設定</h1>{TOC}{PROSE}{PROSE}
<table><tr><th>パッケージ</th><th>説明</th></tr>
<tr><td><a href="/p/wpasupplicant">wpasupplicant</a></td><td>WPA と WPA2 に対応したクライアント</td></tr>
<tr><td><a href="/p/iw">iw</a></td><td>無線デバイスを設定するためのツール</td></tr></table>
<dl><dt><a href="/man/ifup">ifup(8)</a></dt><dd>インターフェイスを起動するコマンドです。</dd></dl>
<h3>関連記事</h3><ul><li><a href="/a/1">先週の記事</a></li><li><a href="/a/2">人気の記事</a></li></ul>
{PROSE}<h2>関連項目</h2>
<ul><li><a href="/net">ネットワークの基本</a></li><li><a href="/fw">ファイアウォールの設定</a></li></ul>
</div></body></html>"""


def lines() -> list[str]:
    return Extractor(ExtractSettings()).extract(PAGE, "http://docs.test/wifi.html").text.split("\n")


def test_link_cells_of_a_table_keep_their_row() -> None:
    text = lines()
    assert text.index("wpasupplicant") + 1 == text.index("WPA と WPA2 に対応したクライアント")
    assert "iw" in text


def test_an_index_term_stays_before_its_description() -> None:
    text = lines()
    assert text.index("ifup(8)") + 1 == text.index("インターフェイスを起動するコマンドです。")


def test_a_see_also_list_stays_with_its_label() -> None:
    assert lines()[-3:] == ["関連項目", "ネットワークの基本", "ファイアウォールの設定"]


def test_navigation_outside_and_a_nested_table_of_contents_inside_still_go() -> None:
    text = lines()
    for link in ("ホーム", "製品一覧", "1. 概要", "1.1 対象", "2. 導入の手順", "関連記事", "先週の記事"):
        assert link not in text


def test_link_items_right_in_the_body_with_text_between_them_do_not_raise() -> None:
    # The items' parent is the body; the text between them has no grandparent block (IndexError once).
    html = ('<html><body><h2>関連</h2><li><a href="/a">リンクその一</a></li>'
            '本文がここにあります。とても長い本文の文章がここに続きます。'
            '<li><a href="/b">リンクその二</a></li></body></html>')
    text = Extractor(ExtractSettings()).extract(html, "http://docs.test/").text.split("\n")
    assert text == ["本文がここにあります。とても長い本文の文章がここに続きます。"]
