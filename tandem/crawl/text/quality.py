"""Japanese document quality filters, each switchable, each drop named (as datatrove counts them).

Defaults are the Swallow corpus v1 rules: swallow-llm/swallow-corpus, quality.py `apply_v1`
(Okazaki et al., 2024) — statistics computed the same way (paragraphs are lines, sentences end
at 。．！？!?, Japanese letters = hiragana + katakana + kanji + 、。 etc., n-grams are character
n-grams) — plus two llm-jp-corpus v1 checks (llm-jp/llm-jp-corpus scripts/filters.py): some
kana within the first 50 characters, and a zlib compression ratio between 0.30 and 0.70.
The NG-word ratio follows Swallow's ngword.py: characters covered by listed words over the
number of Japanese letters. Checks run cheapest first and stop at the first failure.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

_SENTENCE = re.compile(r"[^。．！？!?]+[。．！？!?]?")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
_KANJI = re.compile(r"[々〇〻\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_PUNCTUATION = re.compile(r"[、，。．！？]")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")


@dataclass
class QualitySettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Run the quality filters at all. false keeps every extracted page (dedup still applies).")})
    check_too_short: bool = field(default=True, metadata={"help": (
        "Drop pages under `min_chars` characters or `min_japanese_chars` Japanese letters "
        "(drop reason too_short).")})
    check_japanese_fraction: bool = field(default=True, metadata={"help": (
        "Drop pages whose Japanese letters are under `min_japanese_fraction` of all characters "
        "(japanese_fraction).")})
    check_hiragana_fraction: bool = field(default=True, metadata={"help": (
        "Drop pages whose hiragana is under `min_hiragana_fraction` of the Japanese letters "
        "(hiragana_fraction); the main signal of running Japanese prose.")})
    check_katakana_fraction: bool = field(default=True, metadata={"help": (
        "Drop pages whose katakana is over `max_katakana_fraction` of the Japanese letters "
        "(katakana_fraction): product lists, keyword spam.")})
    check_kana_at_start: bool = field(default=True, metadata={"help": (
        "Drop pages with no kana in the first `kana_window` characters (kana_at_start; "
        "llm-jp-corpus v1).")})
    check_sentence_length: bool = field(default=True, metadata={"help": (
        "Drop pages whose mean sentence length is outside `min_mean_sentence_length`-"
        "`max_mean_sentence_length` or whose longest sentence exceeds `max_sentence_length` "
        "(sentence_length).")})
    check_ellipsis: bool = field(default=True, metadata={"help": (
        "Drop pages where more than `max_ellipsis_fraction` of the sentences end in … or ・ "
        "(ellipsis): truncated teasers.")})
    check_duplicate_lines: bool = field(default=True, metadata={"help": (
        "Drop pages with too many repeated lines, by count or by characters (duplicate_lines).")})
    check_duplicate_sentences: bool = field(default=True, metadata={"help": (
        "Drop pages with too many repeated sentences, by count or by characters "
        "(duplicate_sentences).")})
    check_ng_words: bool = field(default=True, metadata={"help": (
        "Drop pages where words of `ngwords_file` cover `max_ng_word_ratio` or more of the "
        "Japanese letters (ng_words).")})
    check_compression_ratio: bool = field(default=True, metadata={"help": (
        "Drop pages whose zlib compression ratio is outside `min_compression_ratio`-"
        "`max_compression_ratio` (compression_ratio; llm-jp-corpus v1): repetitive or random text.")})
    check_top_ngrams: bool = field(default=True, metadata={"help": (
        "Drop pages where one character 2-, 3- or 4-gram is too frequent (top_ngrams), see "
        "`max_top_ngram_fractions`.")})
    check_duplicate_ngrams: bool = field(default=True, metadata={"help": (
        "Drop pages where too many character 5- to 10-grams repeat (duplicate_ngrams), see "
        "`max_duplicate_ngram_fractions`.")})
    min_chars: int = field(default=400, metadata={"help": (
        "Fewest characters a kept page has (Swallow v1: 400).")})
    min_japanese_chars: int = field(default=400, metadata={"help": (
        "Fewest Japanese letters (hiragana, katakana, kanji, Japanese punctuation) a kept page "
        "has (Swallow v1: 400).")})
    min_japanese_fraction: float = field(default=0.5, metadata={"help": (
        "Smallest share (0-1) of Japanese letters among all characters (Swallow v1: 0.5).")})
    min_hiragana_fraction: float = field(default=0.2, metadata={"help": (
        "Smallest share (0-1) of hiragana among the Japanese letters (Swallow v1: 0.2).")})
    max_katakana_fraction: float = field(default=0.5, metadata={"help": (
        "Largest share (0-1) of katakana among the Japanese letters (Swallow v1: 0.5).")})
    min_mean_sentence_length: float = field(default=20.0, metadata={"help": (
        "Shortest mean sentence length in characters (Swallow v1: 20); sentences end at 。．！？!?.")})
    max_mean_sentence_length: float = field(default=90.0, metadata={"help": (
        "Longest mean sentence length in characters (Swallow v1: 90).")})
    max_sentence_length: int = field(default=200, metadata={"help": (
        "Longest single sentence in characters (Swallow v1: 200).")})
    max_ellipsis_fraction: float = field(default=0.2, metadata={"help": (
        "Largest share (0-1) of sentences ending in an ellipsis (Swallow v1: 0.2).")})
    max_duplicate_line_fraction: float = field(default=0.30, metadata={"help": (
        "Largest share (0-1) of lines that repeat an earlier line (Swallow v1: 0.30).")})
    max_duplicate_line_char_fraction: float = field(default=0.20, metadata={"help": (
        "Largest share (0-1) of characters in repeated lines (Swallow v1: 0.20).")})
    max_duplicate_sentence_fraction: float = field(default=0.30, metadata={"help": (
        "Largest share (0-1) of sentences that repeat an earlier sentence (Swallow v1: 0.30).")})
    max_duplicate_sentence_char_fraction: float = field(default=0.20, metadata={"help": (
        "Largest share (0-1) of characters in repeated sentences (Swallow v1: 0.20).")})
    max_top_ngram_fractions: list[float] = field(default_factory=lambda: [0.20, 0.18, 0.16], metadata={
        "help": ("Largest share of the most frequent character 2-, 3- and 4-gram among all n-grams "
                 "of that size: exactly 3 values (Swallow v1: 0.20, 0.18, 0.16).")})
    max_duplicate_ngram_fractions: list[float] = field(
        default_factory=lambda: [0.15, 0.14, 0.13, 0.12, 0.11, 0.10], metadata={
            "help": ("Largest share of distinct character 5-, 6-, … 10-grams that occur more than "
                     "once: exactly 6 values (Swallow v1: 0.15 down to 0.10).")})
    max_ng_word_ratio: float = field(default=0.05, metadata={"help": (
        "Pages where NG words cover this share (0-1) of the Japanese letters or more are dropped "
        "(Swallow ngword.py: 0.05).")})
    ngwords_file: str | None = field(default=None, metadata={"help": (
        "Your own NG-word list, one word a line, # for comments; a relative path is looked up "
        "from the working folder. null: the list that ships with the kit.")})
    kana_window: int = field(default=50, metadata={"help": (
        "How many leading characters must contain some kana (llm-jp-corpus v1: 50).")})
    min_compression_ratio: float = field(default=0.30, metadata={"help": (
        "Smallest zlib compressed/raw size ratio (llm-jp-corpus v1: 0.30); lower is repetitive text.")})
    max_compression_ratio: float = field(default=0.70, metadata={"help": (
        "Largest zlib compressed/raw size ratio (llm-jp-corpus v1: 0.70); higher is random-looking text.")})

    def __post_init__(self) -> None:
        fractions = {
            "min_japanese_fraction": self.min_japanese_fraction,
            "min_hiragana_fraction": self.min_hiragana_fraction,
            "max_katakana_fraction": self.max_katakana_fraction,
            "max_ellipsis_fraction": self.max_ellipsis_fraction,
            "max_duplicate_line_fraction": self.max_duplicate_line_fraction,
            "max_duplicate_line_char_fraction": self.max_duplicate_line_char_fraction,
            "max_duplicate_sentence_fraction": self.max_duplicate_sentence_fraction,
            "max_duplicate_sentence_char_fraction": self.max_duplicate_sentence_char_fraction,
            "max_ng_word_ratio": self.max_ng_word_ratio,
            "min_compression_ratio": self.min_compression_ratio,
            "max_compression_ratio": self.max_compression_ratio,
        }
        for key, value in fractions.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{key}: must be between 0 and 1, got {value}")
        if len(self.max_top_ngram_fractions) != 3:
            raise ValueError("max_top_ngram_fractions: needs 3 values (for 2-, 3- and 4-grams)")
        if len(self.max_duplicate_ngram_fractions) != 6:
            raise ValueError("max_duplicate_ngram_fractions: needs 6 values (for 5- … 10-grams)")
        if self.min_mean_sentence_length > self.max_mean_sentence_length:
            raise ValueError("min_mean_sentence_length: must not exceed max_mean_sentence_length")
        if self.min_compression_ratio > self.max_compression_ratio:
            raise ValueError("min_compression_ratio: must not exceed max_compression_ratio")
        for key in ("min_chars", "min_japanese_chars", "max_sentence_length", "kana_window"):
            if getattr(self, key) < 0:
                raise ValueError(f"{key}: must be 0 or more")


class QualityFilter:
    """`check(text)` → (keep, reason); reason is "ok" when kept, else the failing filter's name."""

    def __init__(self, settings: QualitySettings, ng_words: list[str] | None = None) -> None:
        self.settings = settings
        self._ng_pattern = _ng_pattern(ng_words or []) if settings.check_ng_words else None

    def check(self, text: str) -> tuple[bool, str]:
        s = self.settings
        if not s.enabled:
            return True, "ok"
        stats = _LetterStats(text)
        if s.check_too_short and (len(text) < s.min_chars or stats.japanese < s.min_japanese_chars):
            return False, "too_short"
        if s.check_japanese_fraction and stats.fraction_of_text(stats.japanese) < s.min_japanese_fraction:
            return False, "japanese_fraction"
        if s.check_hiragana_fraction and stats.fraction_of_japanese(stats.hiragana) < s.min_hiragana_fraction:
            return False, "hiragana_fraction"
        if s.check_katakana_fraction and stats.fraction_of_japanese(stats.katakana) > s.max_katakana_fraction:
            return False, "katakana_fraction"
        if s.check_kana_at_start and not _KANA.search(text, 0, s.kana_window):
            return False, "kana_at_start"
        lines = text.split("\n")
        sentences = [sentence for line in lines for sentence in _SENTENCE.findall(line)]
        if s.check_sentence_length and not self._sentence_lengths_ok(sentences):
            return False, "sentence_length"
        if s.check_ellipsis and sentences:
            ellipses = sum(1 for sentence in sentences if sentence.strip().endswith(("・", "…")))
            if ellipses / len(sentences) > s.max_ellipsis_fraction:
                return False, "ellipsis"
        if s.check_duplicate_lines and not _duplicates_ok(
                lines, s.max_duplicate_line_fraction, s.max_duplicate_line_char_fraction):
            return False, "duplicate_lines"
        if s.check_duplicate_sentences and not _duplicates_ok(
                sentences, s.max_duplicate_sentence_fraction, s.max_duplicate_sentence_char_fraction):
            return False, "duplicate_sentences"
        if self._ng_pattern is not None and stats.japanese:
            covered = sum(len(match) for match in self._ng_pattern.findall(text))
            if covered / stats.japanese >= s.max_ng_word_ratio:
                return False, "ng_words"
        if s.check_compression_ratio:
            raw = text.encode("utf-8")
            ratio = len(zlib.compress(raw)) / len(raw) if raw else 0.0
            if not s.min_compression_ratio <= ratio <= s.max_compression_ratio:
                return False, "compression_ratio"
        if s.check_top_ngrams or s.check_duplicate_ngrams:
            failed = _ngrams_ok(text, s.max_top_ngram_fractions, s.max_duplicate_ngram_fractions,
                                s.check_top_ngrams, s.check_duplicate_ngrams)
            if failed:
                return False, failed
        return True, "ok"

    def _sentence_lengths_ok(self, sentences: list[str]) -> bool:
        if not sentences:
            return False
        lengths = [len(sentence) for sentence in sentences]
        mean = sum(lengths) / len(lengths)
        s = self.settings
        return s.min_mean_sentence_length <= mean <= s.max_mean_sentence_length and (
            max(lengths) <= s.max_sentence_length)


class _LetterStats:
    """Letter counts as Swallow's `count_japanese_letters` makes them."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.hiragana = len(_HIRAGANA.findall(text))
        self.katakana = len(_KATAKANA.findall(text))
        kanji = len(_KANJI.findall(text))
        self.japanese = self.hiragana + self.katakana + kanji + len(_PUNCTUATION.findall(text))

    def fraction_of_text(self, count: int) -> float:
        return count / self.length if self.length else 0.0

    def fraction_of_japanese(self, count: int) -> float:
        return count / self.japanese if self.japanese else 0.0


def _duplicates_ok(items: list[str], max_fraction: float, max_char_fraction: float) -> bool:
    if not items:
        return True
    duplicates = duplicate_chars = 0
    for item, count in Counter(items).items():
        duplicates += count - 1
        duplicate_chars += len(item) * (count - 1)
    total_chars = sum(len(item) for item in items)
    char_fraction = duplicate_chars / total_chars if total_chars else 0.0
    return duplicates / len(items) <= max_fraction and char_fraction <= max_char_fraction


class _NgramHashes:
    """64-bit rolling hashes of every character n-gram, built up one n at a time with numpy.

    Counting Python substrings for nine n-gram sizes cost ~3 ms a page; sorting hashes costs a
    tenth of that. A 64-bit collision would only merge two n-grams' counts, which is harmless.
    """

    _MULTIPLIER = np.uint64(1_000_003)

    def __init__(self, text: str) -> None:
        self._codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        self._n = 1
        self._hashes = self._codes.copy()

    def counts(self, n: int) -> np.ndarray:
        """Occurrence count of each distinct n-gram (n must not decrease between calls)."""
        while self._n < n:
            self._n += 1
            with np.errstate(over="ignore"):
                self._hashes = self._hashes[:-1] * self._MULTIPLIER + self._codes[self._n - 1 :]
        if self._hashes.size == 0:
            return self._hashes
        return np.unique(self._hashes, return_counts=True)[1]


def _ngrams_ok(text: str, top_limits: list[float], duplicate_limits: list[float],
               check_top: bool, check_duplicates: bool) -> str | None:
    """None when fine, else the failing filter's reason."""
    hashes = _NgramHashes(text)
    if check_top:
        for n, limit in zip(range(2, 5), top_limits, strict=True):
            counts = hashes.counts(n)
            if counts.size and counts.max() / counts.sum() > limit:
                return "top_ngrams"
    if check_duplicates:
        for n, limit in zip(range(5, 11), duplicate_limits, strict=True):
            counts = hashes.counts(n)
            if counts.size and np.count_nonzero(counts > 1) / counts.size > limit:
                return "duplicate_ngrams"
    return None


def _ng_pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first, so a long word wins over a listed prefix of it (Swallow: longest match).
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
