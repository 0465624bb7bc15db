"""Seeded Japanese prose for the demo site: varied sentences from a vocabulary and templates.

The text must look like ordinary blog prose to the quality filters (hiragana-rich, sentences of
20-90 characters, few repeated 5-10-grams within a page), so each page draws its sentence
templates without replacement and fills them from topic-specific word lists
(`tandem.demosite.vocabulary`, all JIS X 0208, so Shift_JIS, EUC-JP and ISO-2022-JP lose nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tandem.demosite.vocabulary import (
    ADJECTIVES,
    FEELINGS,
    OPENER_SHARE,
    OPENERS,
    PEOPLE,
    TEMPLATES,
    TIMES,
    TITLE_PATTERNS,
    TOPICS,
    VERBS,
)

__all__ = ["TOPICS", "Article", "ProseGenerator"]

SENTENCE_CHARS = (20, 90)  # the sentence length the quality filters expect of ordinary prose
_FRESH_ATTEMPTS = 30  # fresh slot draws per template before another template is tried


@dataclass
class Article:
    topic: str
    title: str
    paragraphs: list[str]


class ProseGenerator:
    """Builds titles and paragraphs; every choice comes from the `random.Random` passed in.

    One generator never writes the same sentence twice while its vocabulary allows a new one
    (each template has thousands of fillings; only sites of many thousands of pages run out),
    so a site drawn from one generator repeats no sentence: real prose does not, and repeated
    sentences across pages would look like boilerplate to the extractor and to dedup.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def article(self, topic: str, min_paragraphs: int = 3, max_paragraphs: int = 6) -> Article:
        _, nouns, places = TOPICS[topic]
        title = self.title(topic)
        count = self.rng.randint(min_paragraphs, max_paragraphs)
        wanted = min(len(TEMPLATES), count * 5)
        templates = self.rng.sample(TEMPLATES, k=len(TEMPLATES))  # no template twice on one page
        sentences: list[str] = []
        for template in templates:
            sentence = self._fresh(template, nouns, places)
            if sentence is not None:
                sentences.append(sentence)
                if len(sentences) == wanted:
                    break
        while len(sentences) < wanted:  # vocabulary exhausted: repeats are the lesser evil
            sentences.append(self._draw(templates[len(sentences)], nouns, places))
        paragraphs = ["".join(sentences[index * wanted // count : (index + 1) * wanted // count])
                      for index in range(count)]
        return Article(topic, title, paragraphs)

    def title(self, topic: str) -> str:
        word, nouns, places = TOPICS[topic]
        return self.rng.choice(TITLE_PATTERNS).format(w=word, **self._slots(nouns, places))

    def sentence(self, template: str, nouns: list[str], places: list[str]) -> str:
        """`template` filled, new to this generator unless its fillings are used up."""
        return self._fresh(template, nouns, places) or self._draw(template, nouns, places)

    def _fresh(self, template: str, nouns: list[str], places: list[str]) -> str | None:
        shortest, longest = SENTENCE_CHARS
        for _ in range(_FRESH_ATTEMPTS):
            text = self._opener() + template.format(**self._slots(nouns, places))
            if text not in self._used and shortest <= len(text) <= longest:
                self._used.add(text)
                return text
        return None

    def _draw(self, template: str, nouns: list[str], places: list[str]) -> str:
        text = self._opener() + template.format(**self._slots(nouns, places))
        self._used.add(text)
        return text

    def _opener(self) -> str:
        return self.rng.choice(OPENERS) if self.rng.random() < OPENER_SHARE else ""

    def _slots(self, nouns: list[str], places: list[str]) -> dict[str, str]:
        n, n2, n3 = self.rng.sample(nouns, 3)
        verb = self.rng.choice(VERBS)
        return {
            "n": n, "n2": n2, "n3": n3, "p": self.rng.choice(places), "t": self.rng.choice(TIMES),
            "who": self.rng.choice(PEOPLE), "vp": verb[0], "vt": verb[1],
            "a": self.rng.choice(ADJECTIVES), "f": self.rng.choice(FEELINGS),
            "k": str(self.rng.randint(2, 9)),
        }
