"""Japanese document quality filters, each switchable, each a named step with its own drop count
and time (as datatrove counts them), in one of two presets.

Preset "web" (the default) is the Swallow corpus v1 rules: swallow-llm/swallow-corpus,
quality.py `apply_v1` (Okazaki et al., 2024) — statistics computed the same way (paragraphs are
lines, sentences end at 。．！？!?, Japanese letters = hiragana + katakana + kanji + 、。 etc.,
n-grams are character n-grams) — plus two llm-jp-corpus v1 checks (llm-jp/llm-jp-corpus
scripts/filters.py): some kana within the first 50 characters, and a zlib compression ratio
between 0.30 and 0.70. The NG-word ratio follows Swallow's ngword.py: characters covered by
listed words over the number of Japanese letters.

Preset "technical" (documentation, manuals, blogs with code) keeps every rule but measures over
the page's prose lines: code, commands and ASCII tables are left out of the statistics, spaces
are not characters and ASCII ones count half, an ASCII ". " ends a sentence, and the kana check
starts at the first Japanese line (page_measures.PageMeasures says exactly what differs); and
three limits on repetition and run-on sentences are looser (quality_settings.PRESET_LIMITS).
Checks run cheapest first and stop at the first failure.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_measures import KANA, TEASER_END, PageMeasures, duplicates_ok
from tandem.crawl.text.quality_settings import PRESETS, QualitySettings
from tandem.crawl.text.text_pipeline import KEEP, Document, TextPipeline

__all__ = ["PRESETS", "QualityCheck", "QualityFilter", "QualitySettings"]


@dataclass
class QualityCheck:
    """One filter as a step of the text pipeline (text_pipeline.py): judges the document's final text."""

    name: str
    passes: Callable[[PageMeasures], bool]
    technical: bool  # the preset that says how the statistics are measured

    def __call__(self, doc: Document) -> tuple[bool, str]:
        if doc.measures is None:  # computed once, lazily, for all the checks of a document
            doc.measures = PageMeasures(doc.text, self.technical, doc.letter_spaced_share)
        return KEEP if self.passes(doc.measures) else (False, self.name)


class QualityFilter:
    """The enabled filters as named steps (`steps`), in the order they run; `check(text)` runs
    them alone → (keep, reason): reason is "ok" when kept, else the failing filter's name.

    `stats` counts, per step, the pages it saw and dropped and the time it took."""

    def __init__(self, settings: QualitySettings, ng_words: list[str] | None = None,
                 stats: FilterStats | None = None) -> None:
        self.settings = settings
        self._limits = settings.limits
        self.stats = stats if stats is not None else FilterStats()
        self._ng_pattern = _ng_pattern(ng_words or []) if settings.check_ng_words else None
        s = settings
        candidates: list[tuple[bool, str, Callable[[PageMeasures], bool]]] = [
            (s.line_rules and s.check_letter_spaced, "letter_spaced", self._not_letter_spaced),
            (s.check_too_short, "too_short", self._long_enough),
            (s.check_japanese_fraction, "japanese_fraction", self._japanese_enough),
            (s.check_hiragana_fraction, "hiragana_fraction", self._hiragana_enough),
            (s.check_katakana_fraction, "katakana_fraction", self._katakana_not_too_much),
            (s.check_kana_at_start, "kana_at_start", self._kana_at_start),
            (s.check_sentence_length, "sentence_length", self._sentence_lengths_ok),
            (s.check_ellipsis, "ellipsis", self._few_ellipses),
            (s.check_duplicate_lines, "duplicate_lines", self._few_duplicate_lines),
            (s.check_duplicate_sentences, "duplicate_sentences", self._few_duplicate_sentences),
            (self._ng_pattern is not None, "ng_words", self._few_ng_words),
            (s.check_compression_ratio, "compression_ratio", self._compresses_normally),
            (s.check_top_ngrams, "top_ngrams", self._no_dominant_ngram),
            (s.check_duplicate_ngrams, "duplicate_ngrams", self._few_duplicate_ngrams),
        ]
        technical = s.preset == "technical"
        self.steps = [QualityCheck(name, passes, technical) for enabled, name, passes in candidates
                      if enabled and s.enabled]
        self._pipeline = TextPipeline(list(self.steps), self.stats)

    def check(self, text: str, letter_spaced_share: float = 0.0) -> tuple[bool, str]:
        """`letter_spaced_share`: what the line rules measured on the text before they rejoined it."""
        doc = self._pipeline.run_one(Document("", text=text, letter_spaced_share=letter_spaced_share))
        return (True, "ok") if doc.drop_reason is None else (False, doc.drop_reason)

    def _not_letter_spaced(self, page: PageMeasures) -> bool:
        return page.letter_spaced_share <= self.settings.max_letter_spaced_share

    def _long_enough(self, page: PageMeasures) -> bool:
        s = self.settings
        return len(page.text) >= s.min_chars and page.letters.japanese >= s.min_japanese_chars

    def _japanese_enough(self, page: PageMeasures) -> bool:
        share = page.measured_letters.japanese / page.length if page.length else 0.0
        return share >= self.settings.min_japanese_fraction

    def _hiragana_enough(self, page: PageMeasures) -> bool:
        letters = page.measured_letters
        return letters.fraction_of_japanese(letters.hiragana) >= self.settings.min_hiragana_fraction

    def _katakana_not_too_much(self, page: PageMeasures) -> bool:
        letters = page.measured_letters
        return letters.fraction_of_japanese(letters.katakana) <= self.settings.max_katakana_fraction

    def _kana_at_start(self, page: PageMeasures) -> bool:
        return KANA.search(page.kana_search_start, 0, self.settings.kana_window) is not None

    def _sentence_lengths_ok(self, page: PageMeasures) -> bool:
        lengths = page.sentence_lengths
        if not lengths:
            return False
        s = self.settings
        total = sum(lengths)
        if not s.min_mean_sentence_length <= total / len(lengths) <= s.max_mean_sentence_length:
            return False
        too_long = sum(length for length in lengths if length > s.max_sentence_length)
        return too_long <= self._limits.max_long_sentence_share * total

    def _few_ellipses(self, page: PageMeasures) -> bool:
        if not page.sentences:
            return True
        # After NFKC "…" is "...": both count, and so does an ellipsis before a "read more" link.
        ellipses = sum(1 for sentence in page.sentences if TEASER_END.search(sentence))
        return ellipses / len(page.sentences) <= self.settings.max_ellipsis_fraction

    def _few_duplicate_lines(self, page: PageMeasures) -> bool:
        s = self.settings
        return duplicates_ok(page.repetition_lines, s.max_duplicate_line_fraction, s.max_duplicate_line_char_fraction)

    def _few_duplicate_sentences(self, page: PageMeasures) -> bool:
        s = self.settings
        return duplicates_ok(page.repetition_sentences, s.max_duplicate_sentence_fraction,
                             s.max_duplicate_sentence_char_fraction)

    def _few_ng_words(self, page: PageMeasures) -> bool:
        japanese = page.letters.japanese
        if self._ng_pattern is None or not japanese:
            return True
        covered = sum(len(match) for match in self._ng_pattern.findall(page.text))
        return covered / japanese < self.settings.max_ng_word_ratio

    def _compresses_normally(self, page: PageMeasures) -> bool:
        raw = page.measured_text.encode("utf-8")
        ratio = len(zlib.compress(raw)) / len(raw) if raw else 0.0
        return self._limits.min_compression_ratio <= ratio <= self.settings.max_compression_ratio

    def _no_dominant_ngram(self, page: PageMeasures) -> bool:
        for n, limit in zip(range(2, 5), self.settings.max_top_ngram_fractions, strict=True):
            counts = page.ngrams.counts(n)
            if counts.size and counts.max() / counts.sum() > limit:
                return False
        return True

    def _few_duplicate_ngrams(self, page: PageMeasures) -> bool:
        for n, limit in zip(range(5, 11), self._limits.max_duplicate_ngram_fractions, strict=True):
            counts = page.ngrams.counts(n)
            if counts.size and (counts > 1).sum() / counts.size > limit:
                return False
        return True


def _ng_pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first, so a long word wins over a listed prefix of it (Swallow: longest match).
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
