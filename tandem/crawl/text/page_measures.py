"""What the quality filters measure on one page, computed once and only when a filter asks.

Two ways of measuring, one per preset (quality.QualitySettings.preset):
- "web": Swallow corpus v1 exactly (swallow-llm/swallow-corpus quality.py): the whole text, its
  length with spaces and line breaks, sentences ending at 。．！？!?, every line a paragraph.
- "technical": the same statistics over the page's prose lines only. A line with no Japanese
  letter that is not an English sentence either (code, a shell command, an ASCII table, a file
  path) is left out: it is neither Japanese nor not-Japanese prose, and its repetitions
  (`}`, `fi`, indentation) are not the repetition of spam. Spaces do not count as characters and
  ASCII ones count half (an English term in a Japanese sentence is one word, not seven
  letters), an ASCII ". " ends a sentence as "。" does, only runs that end so (or in a teaser's ellipsis)
  are sentences (headings, cells and list items are not), and the kana check starts at the first line with
  Japanese in it (an English heading or a command may come first), counting Japanese letters
  only (a kanji heading before an English term is not a page without kana), and lines and
  sentences shorter than 20 characters do not count as duplicates (a procedure repeats its
  steps).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property

import numpy as np

SENTENCE = re.compile(r"[^。．！？!?]+[。．！？!?]?")
# The technical preset also ends a sentence at an ASCII "." followed by a space or the line's end.
SENTENCE_WITH_ASCII_STOP = re.compile(r"(?:[^。．！？!?.]|\.(?!\s|$))+(?:[。．！？!?]|\.(?=\s|$))?")
_STOPS = ("。", "．", "！", "？", "!", "?", ".")
# A teaser's end: an ellipsis ("…" is "..." after NFKC, "‥" is ".."; Swallow also counts "・"),
# maybe followed by a "read more" link, or such a link alone. In the technical preset such a run counts as a sentence
# even without a stop (a snippet cut short is not a heading).
_READ_MORE = r"続きを読む|続きを見る|続きはこちら|もっと見る|もっと読む|全文を読む|全文表示|read more|continue reading"
_LINK = rf"[(\[【]?(?:{_READ_MORE})[)\]】]?"
_ELLIPSIS = r"[(\[【]?(?:\.\.|…|‥|・)[)\]】]?"  # WordPress cuts an excerpt with "[…]"
TEASER_END = re.compile(rf"(?:{_ELLIPSIS}\s*(?:{_LINK}|[(\[【]?more[)\]】]?)?|{_LINK})\s*[>»›]*\s*$", re.IGNORECASE)
HIRAGANA = re.compile(r"[\u3041-\u3096]")
KATAKANA = re.compile(r"[\u30a1-\u30fa]")
KANJI = re.compile(r"[々〇〻\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
PUNCTUATION = re.compile(r"[、，。．！？]")
KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
JAPANESE_LETTER = re.compile(r"[\u3041-\u3096\u30a1-\u30fa々〇〻\u3400-\u9fff\uf900-\ufaff]")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
# An English sentence: four words or more, mostly letters (code and tables are mostly symbols).
MIN_ENGLISH_WORDS = 4
MIN_ENGLISH_LETTER_SHARE = 0.7
# Technical: shorter lines and sentences are left out of the duplicate counts (steps, labels).
MIN_REPEATED_CHARS = 20
KANA_SEARCH_CHARS = 20_000  # technical kana_at_start reads the Japanese letters of this many first


def is_prose_line(line: str) -> bool:
    """A line with Japanese letters, or an English sentence; not code, a command or a table."""
    if JAPANESE_LETTER.search(line):
        return True
    words = line.split()
    if len(words) < MIN_ENGLISH_WORDS:
        return False
    visible = sum(len(word) for word in words)
    return len(_ASCII_LETTERS.findall(line)) >= MIN_ENGLISH_LETTER_SHARE * visible


class LetterStats:
    """Letter counts as Swallow's `count_japanese_letters` makes them."""

    def __init__(self, text: str) -> None:
        self.hiragana = len(HIRAGANA.findall(text))
        self.katakana = len(KATAKANA.findall(text))
        kanji = len(KANJI.findall(text))
        self.japanese = self.hiragana + self.katakana + kanji + len(PUNCTUATION.findall(text))

    def fraction_of_japanese(self, count: int) -> float:
        return count / self.japanese if self.japanese else 0.0


class PageMeasures:
    def __init__(self, text: str, technical: bool, letter_spaced_share: float = 0.0) -> None:
        self.text = text
        self.technical = technical
        self.letter_spaced_share = letter_spaced_share  # measured by the line rules (line_rules.py)

    @cached_property
    def letters(self) -> LetterStats:
        """Of the whole text: what too_short and ng_words count."""
        return LetterStats(self.text)

    @cached_property
    def lines(self) -> list[str]:
        """The paragraphs the statistics look at: every line, or (technical) the prose lines."""
        lines = self.text.split("\n")
        return [line for line in lines if is_prose_line(line)] if self.technical else lines

    @cached_property
    def measured_text(self) -> str:
        return "\n".join(self.lines) if self.technical else self.text

    @cached_property
    def measured_letters(self) -> LetterStats:
        return LetterStats(self.measured_text) if self.technical else self.letters

    @cached_property
    def length(self) -> float:
        """The denominator of japanese_fraction: all characters, or (technical) the non-space
        ones with ASCII counted half."""
        if self.technical:
            return _weighted_length("".join(self.measured_text.split()))
        return len(self.text)

    @cached_property
    def sentences(self) -> list[str]:
        """Swallow's: every run ending at 。．！？!? or a line's end. Technical: only runs that end
        at one of those or at an ASCII ". " (headings, table cells, list items and commands are
        not sentences)."""
        if not self.technical:
            return [sentence for line in self.lines for sentence in SENTENCE.findall(line)]
        return [sentence for line in self.lines for sentence in SENTENCE_WITH_ASCII_STOP.findall(line)
                if sentence.rstrip().endswith(_STOPS) or TEASER_END.search(sentence)]

    @cached_property
    def repetition_lines(self) -> list[str]:
        """What duplicate_lines counts: the lines, or (technical) those of MIN_REPEATED_CHARS or
        more: a procedure repeats its short steps (「OK」をクリックします。) in every section."""
        if not self.technical:
            return self.lines
        return [line for line in self.lines if _weighted_length(line) >= MIN_REPEATED_CHARS]

    @cached_property
    def repetition_sentences(self) -> list[str]:
        """What duplicate_sentences counts, as repetition_lines."""
        if not self.technical:
            return self.sentences
        return [s for s, length in zip(self.sentences, self.sentence_lengths, strict=True)
                if length >= MIN_REPEATED_CHARS]

    @cached_property
    def sentence_lengths(self) -> list[float]:
        """In characters; (technical) ASCII counted half."""
        if not self.technical:
            return [len(sentence) for sentence in self.sentences]
        return [_weighted_length(sentence.strip()) for sentence in self.sentences]

    @cached_property
    def kana_search_start(self) -> str:
        """Where kana_at_start looks: the text, or (technical) its Japanese letters only, so that
        a kanji heading before an English paragraph does not hide the kana after it."""
        if not self.technical:
            return self.text
        return "".join(JAPANESE_LETTER.findall(self.text, 0, KANA_SEARCH_CHARS))

    @cached_property
    def ngrams(self) -> NgramHashes:
        return NgramHashes(self.measured_text)


def _weighted_length(text: str) -> float:
    """Characters with each ASCII one counted half: an English word carries about what a
    Japanese word of half its letters does, so an English term in a Japanese sentence does not
    make it twice as long, nor the page twice as foreign."""
    return len(text) - len(text.encode("ascii", errors="ignore")) / 2


def duplicates_ok(items: list[str], max_fraction: float, max_char_fraction: float) -> bool:
    if not items:
        return True
    duplicates = duplicate_chars = 0
    for item, count in Counter(items).items():
        duplicates += count - 1
        duplicate_chars += len(item) * (count - 1)
    total_chars = sum(len(item) for item in items)
    char_fraction = duplicate_chars / total_chars if total_chars else 0.0
    return duplicates / len(items) <= max_fraction and char_fraction <= max_char_fraction


class NgramHashes:
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
