"""Line-level cleaning before the document filters: junk lines go, spacing artefacts are mended.

The document filters (quality.py) judge a page as a whole, so a page of real paragraphs with
shopping-spam keyword lines between them passes with the spam inside. As C4, Gopher and FineWeb
clean English text line by line before judging the document, these rules clean Japanese lines,
after NFKC and before the filters, each counted by its reason (`stats.json` → `lines_removed`):

- **keyword_run** (removed): a line of space- or bar-separated short Japanese tokens with no
  sentence punctuation and no particles: `ブランド 半額 即日発送 おすすめ レディース 通販`.
  Japanese prose does not put spaces between words; a line that does, with four or more
  keyword tokens and nothing that makes a sentence of them, is a tag list or keyword stuffing.
  This is the line form of two published Japanese document rules: the noun-ratio filter of
  HojiChar and corpus-cleaner (a text of 80 % nouns or more is not prose) and llm-jp-corpus's
  and corpus-cleaner's punctuation rules (a text without 。、 is not prose), which need no
  morphological analyser once the tokens are delimited by the page itself.
- **letter-spaced lines** (mended): `パ ス ワ ー ド 管 理`, as HTML renderings of typeset
  documents come out (most tokens single characters, four of them Japanese letters or more),
  is rejoined (Japanese takes no space between letters); the share of the
  page's Japanese letters that sat in such lines is reported, so that a page made of them can
  be dropped as `letter_spaced` (quality.py): such renderings garble more than the spacing.
- **english_appendix** (removed; the technical preset only): the English part after a Japanese
  text, such as a licence or an untranslated chapter: the Japanese part is kept and judged alone.
- **wrap spaces** (mended): a space left by a line wrap (or by the markup around an inline
  term) between two hiragana (`更新され るもので`), and in a sentence between two Japanese
  letters (`更新 される`), is removed; no Japanese sentence puts one there, except spaced
  writing for children (wakachigaki), recognised by its many spaces and left alone. A heading
  keeps its space (`第1章 はじめに`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from tandem.crawl.text.page_measures import JAPANESE_LETTER, is_prose_line

# Japanese letters as the quality filters count them (page_measures.JAPANESE_LETTER, one
# definition), and the long-vowel mark.
_JAPANESE = JAPANESE_LETTER.pattern[1:-1] + "\u30fc"
_JAPANESE_LETTER = re.compile(f"[{_JAPANESE}]")
_KEYWORD_TOKEN = re.compile(f"[{_JAPANESE}0-9A-Za-z]*[{_JAPANESE}][{_JAPANESE}0-9A-Za-z]*")
# After NFKC, full-width ｜／ are | /. A middle dot between keywords is a separator too
# (ブランド・半額・通販); inside prose it joins a few names, never four or more keywords alone.
_TOKEN_SEPARATORS = re.compile(r"[\s|/・]+")
_SEPARATOR = re.compile(r"[\s|/・]")
_SINGLE_LETTER_TOKEN = re.compile(f"(?<![^\\s|/・])[{_JAPANESE}](?![^\\s|/・])")
_SPACE_OR_BAR = re.compile(r"[\s|/]")
_KEYWORD_BRACKETS = "【】[]《》<>★☆◆◇■□●○"
_SENTENCE_PUNCTUATION = re.compile(r"[。、，．！？!?「」『』()（）:：]")
# Particles that end a phrase: a token ending in one is a piece of a sentence, not a keyword.
_PARTICLE_END = re.compile(r"(?:は|が|を|に|で|と|も|の|へ|や|から|まで|より|ます|です|した|する|ない)$")
_SINGLE_JAPANESE = re.compile(f"^[{_JAPANESE}]$")
_HIRAGANA_SPACE = re.compile(r"(?<=[\u3041-\u3096]) (?=[\u3041-\u3096])")
# In a sentence, a space between a kanji and a hiragana (`更新 されるもので`, `これは 日本語`)
# is a wrap's too; in a heading it may separate a number from a title (`第1章 はじめに`).
_KANJI_HIRAGANA_SPACE = re.compile(r"(?<=[\u3041-\u3096々\u3400-\u9fff]) (?=[\u3041-\u3096\u3400-\u9fff])")
_SENTENCE_STOP = re.compile(r"[。！？]")

MIN_KEYWORD_TOKENS = 4
MAX_KEYWORD_CHARS = 10  # a keyword token's longest length (送料無料, レディースファッション)
MIN_KEYWORD_SHARE = 0.8
MAX_PHRASE_TOKENS = 1  # more tokens ending in a particle: spaced prose, not a keyword list
MIN_LETTER_SPACED_SINGLES = 4
MIN_LETTER_SPACED_SHARE = 0.6
MIN_APPENDIX_PROSE_LINES = 3
# Spaced writing (wakachigaki) has a space every few letters; a wrap leaves one a line.
MAX_WRAP_SPACES_PER_LETTER = 1 / 12


@dataclass
class CleanedLines:
    text: str
    removed: Counter[str] = field(default_factory=Counter)  # lines removed, by reason
    letter_spaced_share: float = 0.0  # of the Japanese letters, the share in letter-spaced lines


def clean_lines(text: str, english_appendix: bool = False) -> CleanedLines:
    """`text`: NFKC-normalised, one paragraph a line. Keyword runs removed, spacing mended;
    with `english_appendix`, an English part after the Japanese text is removed too."""
    removed: Counter[str] = Counter()
    kept: list[str] = []
    spaced_letters = 0
    lines = text.split("\n")
    if english_appendix:
        body = english_appendix_start(lines)
        if body < len(lines):
            removed["english_appendix"] = len(lines) - body
            lines = lines[:body]
    for line in lines:
        # Every rule needs a separator and a Japanese letter; the cheap C-level searches below
        # leave most lines (sentences with 。、, code) before any token is made.
        if not _SEPARATOR.search(line) or not _JAPANESE_LETTER.search(line):
            kept.append(line)
            continue
        singles = len(_SINGLE_LETTER_TOKEN.findall(line))
        if singles >= MIN_LETTER_SPACED_SINGLES and is_letter_spaced(_tokens(line)):
            line = rejoin_letters(line)
            spaced_letters += _count_japanese(line)
            kept.append(line)
            continue
        if not _SENTENCE_PUNCTUATION.search(line) and is_keyword_run(line, _tokens(line)):
            removed["keyword_run"] += 1
            continue
        kept.append(mend_wrap_spaces(line))
    cleaned = "\n".join(kept)
    share = spaced_letters / _count_japanese(cleaned) if spaced_letters else 0.0
    return CleanedLines(cleaned, removed, share)


def _tokens(line: str) -> list[str]:
    return [token for token in _TOKEN_SEPARATORS.split(line) if token]


def english_appendix_start(lines: list[str]) -> int:
    """Where an English part at the end of a Japanese text starts (len(lines) if none): the
    trailing lines without a Japanese letter, when MIN_APPENDIX_PROSE_LINES of them or more,
    and half of them, are English prose (a licence, an untranslated chapter), not code."""
    start = len(lines)
    prose = 0
    while start > 0 and not JAPANESE_LETTER.search(lines[start - 1]):
        start -= 1
        prose += is_prose_line(lines[start])
    tail = len(lines) - start
    if start == 0 or prose < MIN_APPENDIX_PROSE_LINES or prose < 0.5 * tail:
        return len(lines)
    return start


def is_keyword_run(line: str, tokens: list[str]) -> bool:
    """Four or more short Japanese tokens, most of the line, without sentence punctuation or
    particles."""
    if len(tokens) < MIN_KEYWORD_TOKENS or _SENTENCE_PUNCTUATION.search(line):
        return False
    if len(tokens) == MIN_KEYWORD_TOKENS and not _SPACE_OR_BAR.search(line):
        return False  # 設定・運用・保守・監視: a heading may join four nouns with dots

    keywords = phrases = 0
    for token in tokens:
        token = token.strip(_KEYWORD_BRACKETS) or token
        if len(token) <= MAX_KEYWORD_CHARS and _KEYWORD_TOKEN.fullmatch(token) and len(token) > 1:
            keywords += 1
        if _PARTICLE_END.search(token):
            phrases += 1
    return (keywords >= MIN_KEYWORD_TOKENS and keywords >= MIN_KEYWORD_SHARE * len(tokens)
            and phrases <= MAX_PHRASE_TOKENS)


def is_letter_spaced(tokens: list[str]) -> bool:
    """Most tokens are single characters, four of them Japanese letters or more:
    `パ ス ワ ー ド 管 理`, `W i n d o w s で は 、 設 定 を 開 き ま す 。`."""
    japanese = sum(1 for token in tokens if _SINGLE_JAPANESE.match(token))
    singles = sum(1 for token in tokens if len(token) == 1)
    return japanese >= MIN_LETTER_SPACED_SINGLES and singles >= MIN_LETTER_SPACED_SHARE * len(tokens)


def rejoin_letters(line: str) -> str:
    """A letter-spaced line without its spaces, except between two words of several letters
    (`Microsoft Word`), whatever the spacing of the rendering was."""
    tokens = line.split(" ")
    joined = [tokens[0]]
    for previous, token in itertools.pairwise(tokens):
        if len(previous) > 1 and len(token) > 1 and previous[-1].isascii() and token[0].isascii():
            joined.append(" ")
        joined.append(token)
    return "".join(joined)


def mend_wrap_spaces(line: str) -> str:
    """`更新され るもので` -> `更新されるもので` (and, in a sentence, `更新 される` -> `更新される`),
    unless the line is spaced writing."""
    pattern = _KANJI_HIRAGANA_SPACE if _SENTENCE_STOP.search(line) else _HIRAGANA_SPACE
    spaces = len(pattern.findall(line))
    if spaces == 0:
        return line
    if spaces > 1 and spaces > MAX_WRAP_SPACES_PER_LETTER * _count_japanese(line):
        return line
    return pattern.sub("", line)


def _count_japanese(line: str) -> int:
    return len(line) - len(_JAPANESE_LETTER.sub("", line))
