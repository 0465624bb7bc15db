"""Bytes to text for Japanese pages: declared charset first, then detection.

Order (as browsers and the Swallow corpus' warc2raw do it, roughly): a UTF-8 BOM, the HTTP
header's charset, `<meta charset>` / `<meta http-equiv="Content-Type">` in the first bytes, then
detection (declarations and labels: charset.py, shared with the pre-filter). A declaration that
does not decode cleanly is skipped rather than trusted, because
mislabelled pages are common; a Western single-byte label (often a server default) is only
believed when the bytes are neither UTF-8 nor Japanese. Shift_JIS is read as cp932 (Windows-31J), which is what sites
labelled Shift_JIS actually use (NEC/IBM extensions, ①, ㈱, …).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from tandem.crawl.text.charset import codec_name, has_iso2022_escape, header_charset, meta_charset

__all__ = ["codec_name", "decode_body"]

_WEAK_LABELS = frozenset({"cp1252"})
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
MIN_HIRAGANA_SHARE = 0.2
MAX_REPLACED_SHARE = 0.01


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, encoding used). Never raises; the last resort is UTF-8 with replacement marks."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8"
    declared = [c for c in dict.fromkeys((header_charset(content_type), meta_charset(body))) if c]
    # Servers often send a default "ISO-8859-1" for pages that are really Japanese (Apache's
    # AddDefaultCharset); a single-byte Western label decodes anything, so it is tried last.
    strong = [c for c in declared if c not in _WEAK_LABELS]
    for encoding in strong:
        text = _try_decode(body, encoding)
        if text is not None:
            return text, encoding
    detected = _detect_exactly(body)
    if detected is not None:
        return detected
    for encoding in declared:
        if encoding in _WEAK_LABELS:
            text = _try_decode(body, encoding)
            if text is not None:
                return text, encoding
    # A declared charset with a few bad bytes (common on old Shift_JIS sites) beats a guess.
    for encoding in declared:
        text = body.decode(encoding, errors="replace")
        if text.count("\ufffd") <= MAX_REPLACED_SHARE * len(text):
            return text, encoding
    best = charset_normalizer.from_bytes(body).best()
    if best is not None:
        name = codec_name(best.encoding) or "utf-8"
        return body.decode(name, errors="replace"), name
    return body.decode("utf-8", errors="replace"), "utf-8"


def _try_decode(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        if encoding == "iso2022_jp":  # half-width kana or JIS X 0212 in a page labelled plain 2022
            return _try_decode(body, "iso2022_jp_ext")
        return None


def _detect_exactly(body: bytes) -> tuple[str, str] | None:
    """Cheap exact checks before the statistical detector.

    ISO-2022-JP is 7-bit and would pass as ASCII/UTF-8, so its escapes are looked for first.
    Random bytes rarely form valid UTF-8. EUC-JP is tried before cp932 because EUC-JP bytes
    often decode as (nonsense) cp932 half-width katakana; a Japanese reading is accepted only
    when hiragana make up a fair share of the non-ASCII characters, as in any Japanese prose.
    """
    if has_iso2022_escape(body):
        text = _try_decode(body, "iso2022_jp")
        if text is not None:
            return text, "iso2022_jp"
    if body.isascii():
        return body.decode("ascii"), "ascii"
    text = _try_decode(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    for encoding in ("euc_jp", "cp932"):
        text = _try_decode(body, encoding)
        if text is not None and _looks_japanese(text):
            return text, encoding
    return None


def _looks_japanese(text: str) -> bool:
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii > 0 and len(_HIRAGANA.findall(text)) >= MIN_HIRAGANA_SHARE * non_ascii
