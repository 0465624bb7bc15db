"""A page's worth as training text, in [0, 1], for every fetched page, kept or dropped.

The crawl's priority frontier orders links by the score of the page that holds them (Craw4LLM,
Yu et al. 2025: the quality of the linking page predicts the quality of the linked one). The score
reads the measures the quality filters already compute (page_measures.PageMeasures, against the
limits of QualitySettings) and asks how close each one is to its limit: 1 when it passes, falling
towards 0 the further it is past it. A kept page scores 1.

A dropped page is not worth 0 for all that: an index or a table of contents has too little prose
to keep, but Japanese anchors that lead to pages worth keeping. So the page's Japanese evidence
(kana anywhere in its decoded HTML: anchors, headings, title, as the pre-filter looks at raw
bytes) gives it up to LINK_PAGE_WEIGHT, unless its text is spam (katakana lists, repetition, NG
words), which has Japanese anchors too. Pure functions, no I/O.
"""

from __future__ import annotations

import zlib
from collections import Counter

from tandem.crawl.text.page_measures import KANA, PageMeasures
from tandem.crawl.text.quality_settings import QualitySettings

# Kana in a page's HTML at which its Japanese evidence is full: a table of contents of 20 Japanese
# titles has that many; an English page with a language menu has a handful.
KANA_SATURATION = 200
# The most a dropped page is worth for its Japanese anchors alone: below any page whose own text
# is close to passing, above English, spam and empty pages.
LINK_PAGE_WEIGHT = 0.6
# NG words are counted only by the filter (it holds the list): a page it dropped for them counts
# as this close to its limit.
NG_WORDS_DROPPED = 0.3


def japanese_evidence(html: str) -> float:
    """The share of KANA_SATURATION kana the page's decoded HTML holds (stops counting there)."""
    count = 0
    for _ in KANA.finditer(html):
        count += 1
        if count >= KANA_SATURATION:
            break
    return count / KANA_SATURATION


def page_score(page: PageMeasures, settings: QualitySettings, drop_reason: str | None, evidence: float) -> float:
    """The page's score: 1 when kept (`drop_reason` None), else from its measures and `evidence`
    (`japanese_evidence` of its HTML, 0-1)."""
    if drop_reason is None:
        return 1.0
    prose = prose_closeness(page, settings)
    spam = spam_closeness(page, settings, drop_reason)
    closeness = [*prose, *spam]
    # The mean says how much of the page is right, the weakest measure how wrong the rest is.
    text = sum(closeness) / len(closeness) * min(closeness) ** 0.5
    anchors = LINK_PAGE_WEIGHT * min(1.0, max(0.0, evidence)) * min(spam)
    return round(min(1.0, max(text, anchors)), 4)


def prose_closeness(page: PageMeasures, s: QualitySettings) -> list[float]:
    """Is it Japanese prose: long enough, Japanese, with hiragana, kana early, real sentences."""
    letters = page.measured_letters
    share = letters.japanese / page.length if page.length else 0.0
    lengths = page.sentence_lengths
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    kana_early = KANA.search(page.kana_search_start, 0, s.kana_window) is not None
    total = sum(lengths)
    long_share = sum(length for length in lengths if length > s.max_sentence_length) / total if total else 0.0
    return [
        min(_at_least(len(page.text), s.min_chars), _at_least(page.letters.japanese, s.min_japanese_chars)),
        _at_least(share, s.min_japanese_fraction),
        _at_least(letters.fraction_of_japanese(letters.hiragana), s.min_hiragana_fraction),
        1.0 if kana_early else 0.0,
        _within(mean, s.min_mean_sentence_length, s.max_mean_sentence_length) if lengths else 0.0,
        _at_most_fraction(long_share, s.limits.max_long_sentence_share),
    ]


def spam_closeness(page: PageMeasures, s: QualitySettings, drop_reason: str) -> list[float]:
    """Is it not spam: few katakana, ellipses, repeated lines and sentences, a normal compression
    ratio, no dominant n-gram."""
    letters = page.measured_letters
    sentences = page.sentences
    ellipses = sum(1 for sentence in sentences if sentence.strip().endswith(("・", "…")))
    raw = page.measured_text.encode("utf-8")
    ratio = len(zlib.compress(raw)) / len(raw) if raw else s.max_compression_ratio
    top = max((_top_share(page, n) / limit for n, limit in zip(range(2, 5), s.max_top_ngram_fractions, strict=True)),
              default=0.0)
    return [
        _at_most_fraction(letters.fraction_of_japanese(letters.katakana), s.max_katakana_fraction),
        _at_most_fraction(ellipses / len(sentences) if sentences else 0.0, s.max_ellipsis_fraction),
        _at_most_fraction(_duplicate_share(page.lines), s.max_duplicate_line_fraction),
        _at_most_fraction(_duplicate_share(sentences), s.max_duplicate_sentence_fraction),
        _within(ratio, s.limits.min_compression_ratio, s.max_compression_ratio),
        min(1.0, 1.0 / top) if top > 0 else 1.0,
        # The 5- to 10-grams cost more than the rest together: measured only when they dropped it.
        _duplicate_ngrams(page, s) if drop_reason == "duplicate_ngrams" else 1.0,
        NG_WORDS_DROPPED if drop_reason == "ng_words" else 1.0,
    ]


def _at_least(value: float, limit: float) -> float:
    return 1.0 if value >= limit or limit <= 0 else max(0.0, value / limit)


def _at_most_fraction(value: float, limit: float) -> float:
    """A share (0-1) with an upper limit: 1 up to the limit, 0 when the share is all."""
    if value <= limit:
        return 1.0
    return max(0.0, 1.0 - (value - limit) / (1.0 - limit)) if limit < 1.0 else 0.0


def _within(value: float, low: float, high: float) -> float:
    if value < low:
        return _at_least(value, low)
    return 1.0 if value <= high or value <= 0 else high / value


def _duplicate_share(items: list[str]) -> float:
    if not items:
        return 0.0
    return sum(count - 1 for count in Counter(items).values()) / len(items)


def _duplicate_ngrams(page: PageMeasures, s: QualitySettings) -> float:
    """The largest share of repeated n-grams (5 to 10) relative to its limit."""
    worst = 1.0
    for n, limit in zip(range(5, 11), s.limits.max_duplicate_ngram_fractions, strict=True):
        counts = page.ngrams.counts(n)
        if counts.size:
            worst = min(worst, _at_most_fraction(float((counts > 1).sum() / counts.size), limit))
    return worst


def _top_share(page: PageMeasures, n: int) -> float:
    counts = page.ngrams.counts(n)
    return float(counts.max() / counts.sum()) if counts.size else 0.0
