"""The text pipeline's steps, and the one list of them every executor runs.

`build_text_steps` is the only place that says which steps run and in which order: the web
crawl (`page_analysis.PageAnalyzer`), the file sources (`sources.analysis.DocumentAnalyzer`, in
the crawl's process or in workers) and the cluster executors (`crawl.cluster.steps`) all run
what it returns. In order:

- `prefilter` (file sources only, when `prefilter.enabled`): a cheap look at the raw bytes or
  text, so a dump of mostly other languages is not decoded and extracted whole;
- `decode`: markup bytes to text (declared charset, then detection);
- `extract`: the main text, title and links of the markup;
- `line_rules`: NFKC, then junk lines out (line_rules.py), letter spacing measured;
- `normalize`: spaces, empty lines, neologdn (normalize.py): the text a record stores;
- each enabled quality filter (quality.py), cheapest first.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.line_rules import clean_lines
from tandem.crawl.text.normalize import normalize_text
from tandem.crawl.text.prefilter import PrefilterSettings, prefilter_bytes, prefilter_text
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.crawl.text.text_pipeline import KEEP, Document, Step


class Prefilter:
    name = "prefilter"  # its drops are counted as prefilter_language / prefilter_no_kana

    def __init__(self, settings: PrefilterSettings) -> None:
        self.settings = settings

    def __call__(self, doc: Document) -> tuple[bool, str]:
        if doc.body is not None:
            return prefilter_bytes(doc.body, self.settings, doc.content_type, doc.languages)
        return prefilter_text(doc.text, self.settings, doc.languages)


class Decode:
    name = "decode"

    def __call__(self, doc: Document) -> tuple[bool, str]:
        if doc.body is not None:
            doc.markup, _ = decode_body(doc.body, doc.content_type)
            doc.body = None  # decoded once: the bytes are not needed any more
        return KEEP


class Extract:
    name = "extract"

    def __init__(self, settings: ExtractSettings, state: dict[str, Any] | None = None) -> None:
        self.extractor = Extractor(settings)
        if state:
            self.extractor.load_state(state)

    def __call__(self, doc: Document) -> tuple[bool, str]:
        if doc.markup:
            page = self.extractor.extract(doc.markup, doc.url)
            doc.text, doc.links = page.text, page.links
            doc.title = page.title or doc.title
        return KEEP


class LineRules:
    """NFKC first: the rules read NFKC text before `normalize` collapses its spaces (and, with
    neologdn, removes those between Japanese words, which delimit a keyword run)."""

    name = "line_rules"

    def __init__(self, quality: QualitySettings) -> None:
        self.english_appendix = quality.preset == "technical"

    def __call__(self, doc: Document) -> tuple[bool, str]:
        cleaned = clean_lines(unicodedata.normalize("NFKC", doc.text), english_appendix=self.english_appendix)
        doc.text, doc.letter_spaced_share = cleaned.text, cleaned.letter_spaced_share
        doc.lines_removed = dict(cleaned.removed)
        return KEEP


class Normalize:
    name = "normalize"

    def __call__(self, doc: Document) -> tuple[bool, str]:
        doc.text = normalize_text(doc.text)
        return KEEP


def build_text_steps(
    extract: ExtractSettings,
    quality: QualitySettings,
    ng_words: list[str],
    prefilter: PrefilterSettings | None = None,
    extractor_state: dict[str, Any] | None = None,
) -> list[Step]:
    """The steps, in order. `prefilter`: given for file sources (web pages are not pre-filtered:
    a crawl's scope is already Japanese sites). `extractor_state`: what the extractor learned
    before a resume."""
    steps: list[Step] = []
    if prefilter is not None and prefilter.enabled:
        steps.append(Prefilter(prefilter))
    steps += [Decode(), Extract(extract, extractor_state)]
    if quality.enabled and quality.line_rules:
        steps.append(LineRules(quality))
    steps.append(Normalize())
    steps += QualityFilter(quality, ng_words).steps
    return steps


def extractor_of(steps: list[Step]) -> Extractor:
    """The extractor of a list of steps (its learned state is saved with the crawl's progress)."""
    for step in steps:
        if isinstance(step, Extract):
            return step.extractor
    raise ValueError("no extract step")
