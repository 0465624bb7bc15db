"""HTML for the demo site's three layouts, all carrying the same site-wide boilerplate.

The boilerplate is what real blogs and generated documentation carry: a header with a tagline,
a navigation bar, breadcrumbs, a sidebar with a profile blurb (real prose, not links) and link
lists, share buttons, a related-articles box, prev/next links and a footer with off-site links.
Semantic pages name these with HTML5 tags; div-soup pages use short meaningless class names;
table pages put navigation and content in table cells, as old sites and doc generators do.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

LAYOUTS = ["semantic", "div_soup", "table"]
SITE_NAME = "暮らしの手帖ブログ"
TAGLINE = "毎日の小さな発見を、のんびり記録しています。"
PROFILE = ("このブログでは、料理や旅、庭仕事など、暮らしの中で気づいたことを気ままに書いています。"
           "ご意見やご感想は、お問い合わせのページからお気軽にお寄せください。")
SHARE = "この記事をシェアする：Twitter Facebook はてなブックマーク LINE"
NOTICE = "このページの内容は、予告なく変更されることがありますのでご了承ください。"
COPYRIGHT = f"Copyright (C) 2024 {SITE_NAME} All Rights Reserved."
FOOTER_LINKS = [("/privacy.html", "プライバシーポリシー"), ("/about.html", "運営者情報"),
                ("https://www.example.com/partner/", "提携サイト"), ("http://example.org/ja/", "リンク集")]
POPULAR = [("/articles/0001.html", "人気の記事その一"), ("/articles/0002.html", "人気の記事その二"),
           ("/articles/0003.html", "人気の記事その三"), ("https://blog.example.net/", "おすすめのブログ")]
ARCHIVES = [f"2024年{month}月" for month in range(12, 6, -1)]
LABELS = {"utf-8": "UTF-8", "shift_jis": "Shift_JIS", "euc-jp": "EUC-JP", "iso-2022-jp": "ISO-2022-JP"}
CODECS = {"utf-8": "utf-8", "shift_jis": "cp932", "euc-jp": "euc_jp", "iso-2022-jp": "iso2022_jp"}


@dataclass
class PageParts:
    title: str
    paragraphs: list[str]
    links: list[tuple[str, str]]  # related articles, or the listing on link pages
    categories: list[str]
    topic: str
    link_list: bool = False  # the main area is a list of links, not prose


def render_page(layout: str, parts: PageParts, encoding: str, declaration: str, rng: random.Random) -> bytes:
    body = {"semantic": _semantic, "div_soup": _div_soup, "table": _table}[layout](parts, rng)
    label = LABELS[encoding]
    meta = ""
    if declaration in ("meta", "header+meta"):
        meta = f'<meta charset="{label}">'
    elif declaration == "http-equiv":
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
    lang = ' lang="ja"' if rng.random() < 0.85 else ""
    page = (f"<!DOCTYPE html>\n<html{lang}>\n<head>\n{meta}\n"
            f"<title>{_e(parts.title)} | {SITE_NAME}</title>\n"
            f'<meta name="viewport" content="width=device-width">\n'
            f'<link rel="stylesheet" href="/style.css">\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")
    return page.encode(CODECS[encoding], errors="xmlcharrefreplace")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _a(href: str, text: str) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _category_links(parts: PageParts) -> list[str]:
    return [_a(f"/category/{i:02d}.html", name) for i, name in enumerate(parts.categories)]


def _nav(parts: PageParts) -> list[str]:
    return [_a("/index.html", "ホーム"), *_category_links(parts), _a("/contact.html", "お問い合わせ")]


def _main_links(parts: PageParts, item: str) -> str:
    return "\n".join(item.format(_a(href, text)) for href, text in parts.links)


def _semantic(parts: PageParts, rng: random.Random) -> str:
    nav = "".join(f"<li>{link}</li>" for link in _nav(parts))
    if parts.link_list:
        intro = f"<p>{_e(parts.topic)}に関する記事の一覧です。</p>"
        content = f"{intro}\n<ul>{_main_links(parts, '<li>{}</li>')}</ul>"
        related = ""
    else:
        content = "\n".join(f"<p>{_e(p)}</p>" for p in parts.paragraphs)
        related = (f'<section class="related"><h2>関連記事</h2><ul>{_main_links(parts, "<li>{}</li>")}</ul>'
                   f"</section>")
    day = f"2024年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    side = "".join(f"<li>{link}</li>" for link in _category_links(parts))
    popular = "".join(f"<li>{_a(h, t)}</li>" for h, t in POPULAR)
    footer = " ".join(_a(h, t) for h, t in FOOTER_LINKS)
    return f"""<header class="site-header"><div class="logo">{_a("/index.html", SITE_NAME)}</div>
<p class="tagline">{TAGLINE}</p>
<nav class="global-nav"><ul>{nav}</ul></nav></header>
<div class="breadcrumb">{_a("/index.html", "ホーム")} &gt; {_e(parts.topic)} &gt; {_e(parts.title)}</div>
<main id="main"><article class="post">
<h1 class="entry-title">{_e(parts.title)}</h1>
<div class="entry-meta">投稿日：{day}　カテゴリー：{_e(parts.topic)}</div>
<div class="entry-content">
{content}
</div>
<div class="share">{SHARE}</div>
</article>
{related}
</main>
<aside class="sidebar"><section class="widget"><h3>プロフィール</h3><p>{PROFILE}</p></section>
<section class="widget"><h3>人気の記事</h3><ul>{popular}</ul></section>
<section class="widget"><h3>カテゴリー</h3><ul>{side}</ul></section></aside>
<footer class="site-footer"><p>{footer}</p><p>{COPYRIGHT}</p></footer>"""


def _div_soup(parts: PageParts, rng: random.Random) -> str:
    main_class, side_class, box = rng.choice([("l", "r", "bx"), ("c1", "c2", "b"), ("col-a", "col-b", "m")])
    nav = " | ".join(_nav(parts))
    if parts.link_list:
        content = f"<div>{_e(parts.topic)}の記事はこちら</div>\n" + _main_links(parts, "<div>{}</div>")
        related = ""
    else:
        separator = rng.choice(["div", "br"])
        if separator == "div":
            content = "\n".join(f"<div>{_e(p)}</div>" for p in parts.paragraphs)
        else:
            content = "<br><br>\n".join(_e(p) for p in parts.paragraphs)
        related = f'<div class="{box}"><b>関連記事</b><br>{_main_links(parts, "{}<br>")}</div>'
    popular = "<br>".join(_a(h, t) for h, t in POPULAR)
    archives = "<br>".join(_a(f"/archive/{i}.html", month) for i, month in enumerate(ARCHIVES))
    footer = " | ".join(_a(h, t) for h, t in FOOTER_LINKS)
    return f"""<div id="wrap"><div id="top"><div class="t1">{_a("/index.html", SITE_NAME)}</div>
<div class="t2">{TAGLINE}</div><div class="mn">{nav}</div></div>
<div id="cnt"><div class="{main_class}">
<div class="h">{_e(parts.title)}</div>
<div class="bd">
{content}
</div>
<div class="{box}">{SHARE}</div>
{related}
</div>
<div class="{side_class}"><div class="{box}"><b>プロフィール</b><div>{PROFILE}</div></div>
<div class="{box}"><b>人気の記事</b><br>{popular}</div>
<div class="{box}"><b>アーカイブ</b><br>{archives}</div></div></div>
<div id="btm">{footer}<br>{COPYRIGHT}</div></div>"""


def _table(parts: PageParts, rng: random.Random) -> str:
    menu = "".join(f"<tr><td>{link}</td></tr>" for link in _nav(parts))
    prev_next = (f'<table width="100%"><tr><td>{_a("/index.html", "目次へ戻る")}</td>'
                 f"<td>{_a(parts.links[0][0], '前のページ') if parts.links else ''}</td>"
                 f"<td>{_a(parts.links[-1][0], '次のページ') if parts.links else ''}</td></tr></table>")
    if parts.link_list:
        rows = _main_links(parts, "<tr><td>{}</td></tr>")
        content = f"<p>{_e(parts.topic)}のページ一覧</p>\n<table>{rows}</table>"
    else:
        content = "\n".join(f"<p>{_e(p)}</p>" for p in parts.paragraphs)
    title = _e(parts.title)
    heading = f"<h1>{title}</h1>" if rng.random() < 0.5 else f'<font size="5"><b>{title}</b></font>'
    footer = " | ".join(_a(h, t) for h, t in FOOTER_LINKS)
    return f"""<table width="100%" border="0" cellpadding="4">
<tr><td colspan="2" bgcolor="#336699"><font color="white" size="5">{SITE_NAME}</font><br>{TAGLINE}</td></tr>
<tr><td width="180" valign="top" bgcolor="#eeeeee"><table>{menu}</table><p>{PROFILE}</p></td>
<td valign="top">{prev_next}
{heading}
{content}
<p>{NOTICE}</p>
{prev_next}</td></tr>
<tr><td colspan="2" align="center">{footer}<br>{COPYRIGHT}</td></tr></table>"""
