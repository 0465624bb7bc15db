"""The quality filters' settings, and the two presets (see quality.py and docs/crawl-text.md).

A preset says how a page is measured (page_measures.PageMeasures) and gives three limits that
measure repetition and run-on text, where technical Japanese differs from web text by nature: a
manual reuses its terms and quotes licences and lists in long sentences. Every other threshold
is Swallow v1's in both presets. A limit given in the config wins over the preset's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar


@dataclass(frozen=True)
class PresetLimits:
    min_compression_ratio: float
    max_duplicate_ngram_fractions: list[float]
    max_long_sentence_share: float


_SWALLOW_DUPLICATE_NGRAMS = [0.15, 0.14, 0.13, 0.12, 0.11, 0.10]
PRESET_LIMITS = {
    "web": PresetLimits(0.30, _SWALLOW_DUPLICATE_NGRAMS, 0.0),
    "technical": PresetLimits(0.25, [round(2 * limit, 2) for limit in _SWALLOW_DUPLICATE_NGRAMS], 0.1),
}
PRESETS = tuple(PRESET_LIMITS)


@dataclass
class QualitySettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Run the quality filters at all. false keeps every extracted page (dedup still applies).")})
    preset: str = field(default="web", metadata={"help": (
        "How the filters measure a page. web: Swallow corpus v1 exactly, for web text. "
        "technical: for documentation, manuals and blogs with code: the same rules over the "
        "page's prose lines only (code, commands and ASCII tables left out; spaces not counted, "
        "ASCII counted half; an ASCII '. ' ends a sentence; kana looked for from the first "
        "Japanese line), with looser limits on repetition and long sentences "
        "(min_compression_ratio, max_duplicate_ngram_fractions, max_long_sentence_share). "
        "See docs/crawl-text.md.")})
    line_rules: bool = field(default=True, metadata={"help": (
        "Before the page filters, remove junk lines (keyword runs: space-separated Japanese "
        "keywords without particles or punctuation, as in tag lists and keyword stuffing) and "
        "mend spacing artefacts (letter-spaced text rejoined, spaces a line wrap left between "
        "hiragana removed); removed lines are counted by reason (stats.json lines_removed).")})
    check_letter_spaced: bool = field(default=True, metadata={"help": (
        "Drop pages where letter-spaced lines (パ ス ワ ー ド) hold more than "
        "`max_letter_spaced_share` of the Japanese letters (letter_spaced): renderings of typeset "
        "documents. Needs line_rules.")})
    max_letter_spaced_share: float = field(default=0.2, metadata={"help": (
        "Largest share (0-1) of a page's Japanese letters in letter-spaced lines.")})
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
        "`max_mean_sentence_length` or whose sentences longer than `max_sentence_length` hold "
        "more than `max_long_sentence_share` of the sentences' characters (sentence_length).")})
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
    max_long_sentence_share: float | None = field(default=None, metadata={"help": (
        "Share (0-1) of the sentences' characters that may sit in sentences longer than "
        "`max_sentence_length`. null: the preset's (web 0: not one, as Swallow v1; technical "
        "0.1: a licence or a list in one long sentence does not drop a whole manual).")})
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
    max_duplicate_ngram_fractions: list[float] | None = field(default=None, metadata={"help": (
        "Largest share of distinct character 5-, 6-, … 10-grams that occur more than once: "
        "exactly 6 values. null: the preset's (web: Swallow v1, 0.15 down to 0.10; technical: "
        "twice those, as a manual reuses its terms: パッケージ, ファイル, debian/rules).")})
    max_ng_word_ratio: float = field(default=0.05, metadata={"help": (
        "Pages where NG words cover this share (0-1) of the Japanese letters or more are dropped "
        "(Swallow ngword.py: 0.05).")})
    ngwords_file: str | None = field(default=None, metadata={"help": (
        "Your own NG-word list, one word a line, # for comments; a relative path is looked up "
        "from the working folder. null: the list that ships with the kit.")})
    kana_window: int = field(default=50, metadata={"help": (
        "How many leading characters must contain some kana (llm-jp-corpus v1: 50).")})
    min_compression_ratio: float | None = field(default=None, metadata={"help": (
        "Smallest zlib compressed/raw size ratio; lower is repetitive text. null: the preset's "
        "(web 0.30, llm-jp-corpus v1; technical 0.25, for the same reason as the n-grams).")})
    max_compression_ratio: float = field(default=0.70, metadata={"help": (
        "Largest zlib compressed/raw size ratio (llm-jp-corpus v1: 0.70); higher is random-looking text.")})

    def __post_init__(self) -> None:
        if self.preset not in PRESET_LIMITS:
            raise ValueError(f"preset: must be one of {', '.join(PRESET_LIMITS)}, got {self.preset!r}")
        fractions = {
            "min_japanese_fraction": self.min_japanese_fraction,
            "min_hiragana_fraction": self.min_hiragana_fraction,
            "max_katakana_fraction": self.max_katakana_fraction,
            "max_ellipsis_fraction": self.max_ellipsis_fraction,
            "max_letter_spaced_share": self.max_letter_spaced_share,
            "max_duplicate_line_fraction": self.max_duplicate_line_fraction,
            "max_duplicate_line_char_fraction": self.max_duplicate_line_char_fraction,
            "max_duplicate_sentence_fraction": self.max_duplicate_sentence_fraction,
            "max_duplicate_sentence_char_fraction": self.max_duplicate_sentence_char_fraction,
            "max_ng_word_ratio": self.max_ng_word_ratio,
            "max_compression_ratio": self.max_compression_ratio,
            "min_compression_ratio": self.limits.min_compression_ratio,
            "max_long_sentence_share": self.limits.max_long_sentence_share,
        }
        for key, value in fractions.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{key}: must be between 0 and 1, got {value}")
        if len(self.max_top_ngram_fractions) != 3:
            raise ValueError("max_top_ngram_fractions: needs 3 values (for 2-, 3- and 4-grams)")
        if len(self.limits.max_duplicate_ngram_fractions) != 6:
            raise ValueError("max_duplicate_ngram_fractions: needs 6 values (for 5- … 10-grams)")
        if self.min_mean_sentence_length > self.max_mean_sentence_length:
            raise ValueError("min_mean_sentence_length: must not exceed max_mean_sentence_length")
        if self.limits.min_compression_ratio > self.max_compression_ratio:
            raise ValueError("min_compression_ratio: must not exceed max_compression_ratio")
        for key in ("min_chars", "min_japanese_chars", "max_sentence_length", "kana_window"):
            if getattr(self, key) < 0:
                raise ValueError(f"{key}: must be 0 or more")

    @property
    def limits(self) -> PresetLimits:
        """The limits a preset sets, each replaced by its field when the config gives one."""
        preset = PRESET_LIMITS[self.preset]
        return PresetLimits(
            min_compression_ratio=_given(self.min_compression_ratio, preset.min_compression_ratio),
            max_duplicate_ngram_fractions=_given(self.max_duplicate_ngram_fractions,
                                                 preset.max_duplicate_ngram_fractions),
            max_long_sentence_share=_given(self.max_long_sentence_share, preset.max_long_sentence_share),
        )


T = TypeVar("T")


def _given(value: T | None, default: T) -> T:
    return default if value is None else value
