"""Japanese article pages that pass every default filter, each different, for crawl tests that
serve their own sites (with `support.raw_http`)."""

from __future__ import annotations

import html
import random
from collections.abc import Sequence

from tandem.demosite.prose import TOPICS, ProseGenerator

_PROSE = ProseGenerator(random.Random(2024))  # one generator: no sentence on two pages
_TOPICS = list(TOPICS)


def article_page(number: int, links: Sequence[str] = (), script: str = "") -> bytes:
    """A UTF-8 page with its own ~700-character article, `links` as anchors, `script` inline."""
    article = _PROSE.article(_TOPICS[number % len(_TOPICS)], 5, 5)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    anchors = "".join(f'<li><a href="{html.escape(link)}">関連記事</a></li>' for link in links)
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{html.escape(article.title)}'
            f"</title></head><body><article><h1>{html.escape(article.title)}</h1>{paragraphs}</article>"
            f"<ul>{anchors}</ul><script>{script}</script></body></html>").encode()
