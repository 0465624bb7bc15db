"""A cheap Japanese pre-filter on raw records, before decoding and extraction.

Most records of a Common Crawl WARC (~95%) are not Japanese; decoding, parsing and filtering
each one costs milliseconds, while a look at its bytes costs microseconds. The checks, in order:

1. A language the *source* identified from the text (Common Crawl's
   `WARC-Identified-Content-Language`, a dataset's language column): without Japanese among
   them the record is refused (`prefilter_language`). A language the *page* declares
   (`<html lang>`, Content-Language) is not used: templates declare `en` on Japanese pages and
   `ja` on untranslated ones.
2. A declared Japanese-only charset (Shift_JIS, EUC-JP, ISO-2022-JP, in the header or a
   `<meta>` of the first bytes, read as decode.py reads it: charset.py), an ISO-2022-JP escape,
   or a UTF-16 BOM: kept (`charset`).
3. A sample of the bytes (`sample_bytes`): kana are what tells Japanese from Chinese, and every
   Japanese sentence has some. UTF-8 kana (E3 81-83 xx) and numeric references to them are
   counted, stopping at `min_kana`; if the sample is not UTF-8, EUC-JP and Shift_JIS hiragana
   are counted instead (a page labelled ISO-8859-1 by a server default may be Shift_JIS). Fewer than
   `min_kana`: refused (`prefilter_no_kana`).

Refusing wrongly loses a page for good, accepting wrongly only costs the time of the full
pipeline (whose quality filters drop it), so every check leans towards keeping. The default
`min_kana` is far below what the quality filters demand (80 hiragana at their defaults).
Pure functions, no I/O.
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass, field

from tandem.crawl.text.charset import declares_japanese, has_iso2022_escape

# One literal lead byte each, so that `re` searches with memchr: about 4x faster than one
# alternation on pages without kana, which are the ones scanned to the end.
_UTF8_KANA = re.compile(rb"\xe3[\x81-\x83]")
_REFERENCE_KANA = re.compile(rb"&#(?:12[345]\d\d|[xX]30[4-9a-fA-F][0-9a-fA-F]);")
# Hiragana in EUC-JP (A4 A1-F3) and in Shift_JIS (82 9F-F1): every Japanese sentence has some.
# A4 A1-F3 is also common Big5 Chinese, so an EUC-JP reading must decode as well.
_EUC_HIRAGANA = re.compile(rb"\xa4[\xa1-\xf3]")
_SJIS_HIRAGANA = re.compile(rb"\x82[\x9f-\xf1]")
MAX_UNDECODABLE_SHARE = 0.01
_TEXT_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\uff66-\uff9d]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
JAPANESE_LANGUAGE_CODES = frozenset({"ja", "jpn", "jp"})

KEEP = "ok"
REASON_LANGUAGE = "prefilter_language"
REASON_NO_KANA = "prefilter_no_kana"
# Japanese prose is a third kana or more: a text with fewer characters than this many per
# `min_kana` can have too few kana and still be Japanese (a title, a one-line note).
JUDGED_CHARS_PER_KANA = 4


@dataclass
class PrefilterSettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Look at each record's bytes before decoding and extracting it, and refuse those that "
        "cannot be Japanese (drop reasons prefilter_language, prefilter_no_kana). Only for file "
        "and remote sources; the web crawl follows Japanese sites and checks every page in full.")})
    min_kana: int = field(default=10, metadata={"help": (
        "Kana (hiragana or katakana) a record's sample must hold to go on to the full pipeline. "
        "Keep it far below what the quality filters demand: a wrong refusal loses a page for good.")})
    sample_bytes: int = field(default=1_048_576, metadata={"help": (
        "Bytes of a record looked at (from its start). Kana are counted only until `min_kana` "
        "are found, so a Japanese page costs a few microseconds whatever this says.")})
    trust_identified_language: bool = field(default=True, metadata={"help": (
        "Refuse records whose source-identified languages (Common Crawl's "
        "WARC-Identified-Content-Language, a dataset's language field) do not include Japanese. "
        "Languages a page declares itself (its html lang attribute) are never trusted.")})

    def __post_init__(self) -> None:
        if self.min_kana < 1:
            raise ValueError("min_kana: must be at least 1")
        if self.sample_bytes < 1024:
            raise ValueError("sample_bytes: must be at least 1024")


def prefilter_bytes(
    body: bytes,
    settings: PrefilterSettings,
    content_type: str | None = None,
    identified_languages: str | None = None,
) -> tuple[bool, str]:
    """(keep, reason) for an HTML (or other markup) body that has not been decoded yet."""
    if not settings.enabled:
        return True, KEEP
    if not _languages_allow(identified_languages, settings):
        return False, REASON_LANGUAGE
    if body.startswith(_UTF16_BOMS) or declares_japanese(body, content_type):
        return True, KEEP
    sample = body[: settings.sample_bytes]
    kana = _count_up_to(_UTF8_KANA, sample, settings.min_kana)
    if kana < settings.min_kana and b"&#" in sample:
        kana += _count_up_to(_REFERENCE_KANA, sample, settings.min_kana - kana)
    if kana >= settings.min_kana:
        return True, KEEP
    if has_iso2022_escape(sample):
        return True, KEEP  # ISO-2022-JP: 7-bit, so it also passes for UTF-8
    if not _is_utf8(sample):
        if _count_up_to(_SJIS_HIRAGANA, sample, settings.min_kana) >= settings.min_kana:
            return True, KEEP
        if _count_up_to(_EUC_HIRAGANA, sample, settings.min_kana) >= settings.min_kana \
                and _mostly_decodes(sample, "euc_jp"):
            return True, KEEP
    return False, REASON_NO_KANA


def prefilter_text(text: str, settings: PrefilterSettings, identified_languages: str | None = None) -> tuple[bool, str]:
    """(keep, reason) for plain text (a WET conversion, a dataset's text column)."""
    if not settings.enabled:
        return True, KEEP
    if not _languages_allow(identified_languages, settings):
        return False, REASON_LANGUAGE
    sample = text[: settings.sample_bytes]
    kana = _count_up_to(_TEXT_KANA, sample, settings.min_kana)
    if kana >= settings.min_kana:
        return True, KEEP
    if kana and _fewer_letters_than(sample, settings.min_kana * JUDGED_CHARS_PER_KANA):
        return True, KEEP  # too short to judge by its kana: the quality filters say why it goes
    return False, REASON_NO_KANA


def _fewer_letters_than(text: str, limit: int) -> bool:
    """Fewer than `limit` characters other than white space; stops counting at `limit`, so a long
    text costs no more than a short one."""
    letters = (char for char in text if not char.isspace())
    return sum(1 for _ in itertools.islice(letters, limit)) < limit


def _languages_allow(identified: str | None, settings: PrefilterSettings) -> bool:
    """False only when the source named languages and Japanese is not among them."""
    if not identified or not settings.trust_identified_language:
        return True
    codes = {part.strip().lower().split("-")[0].split("_")[0] for part in re.split(r"[,;\s]+", identified)}
    codes.discard("")
    return not codes or bool(codes & JAPANESE_LANGUAGE_CODES)


def _count_up_to(pattern: re.Pattern[bytes] | re.Pattern[str], sample: bytes | str, limit: int) -> int:
    count = 0
    for _ in pattern.finditer(sample):  # type: ignore[arg-type]
        count += 1
        if count >= limit:
            break
    return count


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.utf_8_decode(sample, "strict", False)  # not final: the sample may end mid-character
    except UnicodeDecodeError:
        return False
    return True


def _mostly_decodes(sample: bytes, codec: str) -> bool:
    text = sample.decode(codec, errors="replace")
    return text.count("\ufffd") <= MAX_UNDECODABLE_SHARE * len(text)
