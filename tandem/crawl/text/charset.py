"""Charset declarations and labels, read once for both readers of raw bytes: decode.py (bytes to
text) and prefilter.py (can these bytes be Japanese?). Each used to sniff for itself, and the
two drifted (only one knew the JIS X 0212 escape of ISO-2022-JP).

A declaration is the HTTP header's `charset=` or a `<meta charset>` / `<meta http-equiv=
"Content-Type">` within the first `META_SCAN_BYTES` bytes; a label is mapped to the Python codec
that reads it best (Shift_JIS is read as cp932, Windows-31J, which is what sites labelled
Shift_JIS actually use; Latin-1 and ASCII as windows-1252, as WHATWG says).
"""

from __future__ import annotations

import codecs
import re

HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
META_SCAN_BYTES = 4096
# Names sites use for the same few encodings, mapped to the Python codec that reads them best.
ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "cp932": "cp932",
    "euc-jp": "euc_jp",
    "euc_jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "csiso2022jp": "iso2022_jp",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-1252": "cp1252",
}
# Codecs used for nothing but Japanese.
JAPANESE_CODECS = frozenset({"cp932", "euc_jp", "iso2022_jp"})
# ISO-2022-JP's switches to JIS X 0208 (1983, 1978), JIS X 0201 Roman and JIS X 0212: a 7-bit
# encoding that would pass for ASCII or UTF-8 without them.
ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")


def codec_name(label: str) -> str | None:
    """The Python codec for a charset label, or None when Python has no such codec."""
    label = label.strip().lower()
    name = ALIASES.get(label, label)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def header_charset(content_type: str | None) -> str | None:
    """The codec the HTTP Content-Type header declares."""
    if not content_type:
        return None
    match = HEADER_CHARSET.search(content_type)
    return codec_name(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The codec a `<meta>` in the first bytes declares."""
    match = META_CHARSET.search(body[:META_SCAN_BYTES])
    return codec_name(match.group(1).decode("ascii", errors="replace")) if match else None


def declares_japanese(body: bytes, content_type: str | None) -> bool:
    """The header or a `<meta>` declares a Japanese-only charset."""
    return header_charset(content_type) in JAPANESE_CODECS or meta_charset(body) in JAPANESE_CODECS


def has_iso2022_escape(body: bytes) -> bool:
    return b"\x1b" in body and any(escape in body for escape in ISO2022_ESCAPES)
