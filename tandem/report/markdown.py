"""Markdown building blocks that hold up against any text a child may have logged.

Log lines and error reasons come from programs the kit does not control: backticks, pipes, HTML,
terminal colour codes and carriage returns must all arrive as plain text, without breaking a
table or a fence or injecting markup.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

# CSI/OSC terminal sequences (colours, cursor moves, titles) that tqdm and loggers emit.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Everything CommonMark/GFM may read as markup inside a line; `$` is GitHub's math delimiter.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])")


def clean_line(line: str) -> str:
    """What a terminal would finally show for one logged line: colour codes dropped, a `\\r`
    progress bar reduced to its last state, other control characters removed."""
    line = _ANSI.sub("", line.rstrip("\r\n"))
    if "\r" in line:
        parts = [part for part in line.split("\r") if part]
        line = parts[-1] if parts else ""
    return _CONTROL.sub("", line.replace("\t", "    "))


def inline(text: object) -> str:
    """`text` as literal inline Markdown (safe in a paragraph and in a table cell)."""
    flat = " ".join(clean_line(part) for part in str(text).splitlines()) if str(text) else ""
    return _INLINE_SPECIAL.sub(r"\\\1", flat)


def code(text: object) -> str:
    """An inline code span for a short literal (a path, a command) that may contain backticks."""
    flat = inline_plain(text)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    # A pipe ends a table cell even inside a code span (GFM), unless escaped.
    return f"{ticks}{pad}{flat.replace('|', chr(92) + '|')}{pad}{ticks}"


def inline_plain(text: object) -> str:
    return " ".join(clean_line(part) for part in str(text).splitlines())


def fenced(lines: Iterable[str], info: str = "text") -> str:
    """A fenced code block whose fence is longer than any backtick run in the content."""
    body = [clean_line(line) for line in lines]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}{info}", *body, fence])


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] | None = None) -> str:
    """A GFM table; cells must already be Markdown (use `inline`/`code` for foreign text)."""
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    rule = [marks[a] for a in (align or ["l"] * len(header))]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def link(label: str, target: Path, base: Path) -> str:
    """A relative link from the folder `base` to `target`, with `label` already Markdown."""
    try:
        relative = os.path.relpath(target, base)
    except ValueError:  # another drive on Windows: no relative path exists
        relative = str(target)
    return f"[{label}]({quote(Path(relative).as_posix())})"
