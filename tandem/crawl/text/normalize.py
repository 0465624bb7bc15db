"""Text normalisation, the record id and the Japanese-character share.

The record `id` is a hash of the normalised text, so the same article reached by two URLs
(or re-fetched after a resume) gets the same id and exact dedup catches it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

try:  # optional: neologdn also folds long-vowel marks, tildes and spaces between Japanese words
    import neologdn

    _neologdn_normalize: Callable[[str], str] | None = neologdn.normalize
except ImportError:
    _neologdn_normalize = None

_INLINE_SPACE = re.compile(r"[ \t\u3000\u00a0\f\v]+")
_INDENT = re.compile(r"[ \t]+(?=[\x21-\x7e])")  # spaces and tabs before an ASCII character
_JAPANESE_CHAR = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc々〇〻\u3400-\u9fff\uf900-\ufaff]")


def normalize_text(text: str) -> str:
    """NFKC (neologdn per line when installed), spaces collapsed, empty lines dropped.

    Lines are kept as paragraphs joined by one newline: the quality filters count duplicate
    lines, and runs of blank lines would count as duplicates. A line's indentation (ASCII spaces
    and tabs before an ASCII character: code, commands, config) is kept as it was, since it is
    part of what the line means; spaces before Japanese text are typography and go.
    """
    text = unicodedata.normalize("NFKC", text)
    lines = []
    for raw_line in text.splitlines():
        indent = _INDENT.match(raw_line)
        line = _INLINE_SPACE.sub(" ", raw_line).strip()
        if _neologdn_normalize is not None and line:
            line = _neologdn_normalize(line)
        if line:
            lines.append(indent.group() + line if indent else line)
    return "\n".join(lines)


def text_id(normalized_text: str) -> str:
    """32 hex digits of BLAKE2b over the UTF-8 text (collisions are not a practical concern)."""
    return hashlib.blake2b(normalized_text.encode("utf-8"), digest_size=16).hexdigest()


def japanese_ratio(text: str) -> float:
    """Share of hiragana, katakana and kanji among the non-space characters (0.0 when empty)."""
    # Counting by deletion builds two strings instead of a list of one-character matches:
    # a third of the time on a typical page, and this runs for every page kept.
    visible = len("".join(text.split()))
    if visible == 0:
        return 0.0
    return (len(text) - len(_JAPANESE_CHAR.sub("", text))) / visible
