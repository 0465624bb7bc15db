"""Scores for extracted text against a reference main text: token-bigram overlap, as ROUGE-2.

Tokens: after NFKC, a run of ASCII letters, digits and `_` is one token and every other
non-space character is one token (a Japanese letter, a bracket, a dot), so Japanese and code
are both counted at a fine grain and whitespace (indentation, line breaks) never matters.
Bigrams run over the whole text, line breaks included, and are counted as multisets:
- precision: the output's bigrams that the reference has, over the output's bigrams;
- recall: the reference's bigrams that the output has, over the reference's bigrams;
- boilerplate lines: the output's lines of which fewer than half the bigrams (a one-token
  line: its token) occur anywhere in the reference, over all output lines.
A text repeated twice in the output counts twice, so duplication lowers precision.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

_TOKEN = re.compile(r"[0-9A-Za-z_]+|\S")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text))


def bigrams(words: list[str]) -> Counter[tuple[str, str]]:
    return Counter(pairwise(words))


@dataclass
class Reference:
    text: str

    def __post_init__(self) -> None:
        self.tokens = tokens(self.text)
        self.bigrams = bigrams(self.tokens)
        self.token_set = set(self.tokens)


@dataclass
class PageScore:
    matched: int
    output_bigrams: int
    reference_bigrams: int
    lines: int
    boilerplate_lines: int


def score_page(output: str, reference: Reference) -> PageScore:
    found = bigrams(tokens(output))
    matched = sum((found & reference.bigrams).values())
    lines = [line for line in output.split("\n") if line.strip()]
    boilerplate = sum(1 for line in lines if _is_boilerplate(line, reference))
    return PageScore(matched, sum(found.values()), sum(reference.bigrams.values()), len(lines), boilerplate)


def _is_boilerplate(line: str, reference: Reference) -> bool:
    words = tokens(line)
    if len(words) < 2:
        return bool(words) and words[0] not in reference.token_set
    pairs = list(pairwise(words))
    return sum(pair in reference.bigrams for pair in pairs) < 0.5 * len(pairs)


@dataclass
class SiteScore:
    precision: float
    recall: float
    boilerplate_lines: float


def combine(scores: list[PageScore]) -> SiteScore:
    """Micro-averaged over the site's pages (a long page weighs more, as it holds more text)."""
    matched = sum(s.matched for s in scores)
    output = sum(s.output_bigrams for s in scores)
    reference = sum(s.reference_bigrams for s in scores)
    lines = sum(s.lines for s in scores)
    return SiteScore(matched / output if output else 0.0, matched / reference if reference else 0.0,
                     sum(s.boilerplate_lines for s in scores) / lines if lines else 0.0)
