"""The demo site's special article pages: duplicates the dedup must catch and low-quality pages
(link lists, katakana catalogues, too short, repetitive, spam, English) the filters must drop.
"""

from __future__ import annotations

import random

from tandem.demosite.prose import TOPICS, Article, ProseGenerator
from tandem.demosite.vocabulary import words

# Share of article pages of each special kind; the rest are ordinary articles.
SPECIAL_KINDS = [("exact_duplicate", 0.03), ("near_duplicate", 0.03), ("link_list", 0.015),
                 ("katakana_heavy", 0.015), ("too_short", 0.015), ("repetitive", 0.01),
                 ("ng_words", 0.01), ("english", 0.01)]


def article_kinds(count: int, rng: random.Random) -> list[str]:
    """The kind of each of `count` article pages, special kinds spread over all but the first fifth."""
    kinds = ["article"] * count
    slots = list(range(count // 5, count))  # the first fifth stays ordinary: duplicates need originals
    rng.shuffle(slots)
    for kind, share in SPECIAL_KINDS:
        for _ in range(max(1, round(count * share))):
            if slots:
                kinds[slots.pop()] = kind
    return kinds


def article_for(kind: str, topic: str, prose: ProseGenerator, originals: list[tuple[str, Article]],
                rng: random.Random) -> tuple[Article, str | None]:
    """The page's article and, for a duplicate, the path of the ordinary article it copies."""
    if kind == "exact_duplicate":
        path, article = rng.choice(originals)
        return Article(article.topic, article.title, list(article.paragraphs)), path
    if kind == "near_duplicate":
        path, article = rng.choice(originals)
        paragraphs = list(article.paragraphs)
        addition = prose.sentence("{n}については、また別の機会に詳しく書きます。", *TOPICS[article.topic][1:])
        paragraphs[-1] += addition
        return Article(article.topic, article.title + "（改訂版）", paragraphs), path
    if kind == "too_short":
        article = prose.article(topic, 1, 1)
        return Article(topic, article.title, [article.paragraphs[0][:80]]), None
    if kind == "repetitive":
        sentence = prose.article(topic, 1, 1).paragraphs[0]
        return Article(topic, "お知らせ", [sentence[:60]] * 12), None
    if kind == "katakana_heavy":
        return Article(topic, "新着アイテム", [_katakana_paragraph(rng) for _ in range(4)]), None
    if kind == "ng_words":
        article = prose.article(topic)
        spam = [rng.choice(_SPAM).format(k=rng.randint(10, 99)) for _ in article.paragraphs]
        return Article(topic, article.title, [s + p for s, p in zip(spam, article.paragraphs, strict=True)]), None
    if kind == "english":
        return Article(topic, "Garden notes", [" ".join(
            f"On day {rng.randint(1, 300)} we {rng.choice(_ENGLISH_DONE)} in the {rng.choice(_ENGLISH_PLACES)}."
            for _ in range(8)) for _ in range(4)]), None
    return prose.article(topic), None


_SPAM = ["出会い系アダルト動画が無修正で見放題、オンラインカジノで即金{k}万円。",
         "簡単に稼げる情報商材、副業で月収{k}万円、今すぐ登録で必ず儲かる。",
         "激安デリヘルと風俗の最安値情報、無料登録で高収入{k}万円。"]
_ENGLISH_DONE = ["planted tomatoes", "watered the beans", "repaired the fence", "picked strawberries",
                 "moved the compost", "painted the shed"]
_ENGLISH_PLACES = words("garden greenhouse backyard allotment orchard")
_KATAKANA_WORDS = words("スマートウォッチ ワイヤレスイヤホン モバイルバッテリー キーボード ゲーミングマウス "
                   "ポータブルスピーカー タブレットスタンド ノイズキャンセリング プレミアムモデル "
                   "アウトドアチェア ステンレスボトル コンパクトカメラ デジタルフォトフレーム")


def _katakana_paragraph(rng: random.Random) -> str:
    items = [f"{rng.choice(_KATAKANA_WORDS)}・{rng.choice(_KATAKANA_WORDS)}セット" for _ in range(8)]
    return "、".join(items) + "が新登場です。"
