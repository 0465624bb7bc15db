"""Every link of the README and the docs leads to a file of this repository: a clone has no
desk notes, so a link that leaves the repository, or names a file that is not there, is broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.paths import REPO

# [text](target) and [text]: target, outside code spans and fenced blocks.
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def links(text: str) -> list[str]:
    cleaned = CODE_SPAN.sub("", FENCE.sub("", text))
    return INLINE.findall(cleaned) + REFERENCE.findall(cleaned)


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_leads_to_a_file_of_the_repository(document: Path) -> None:
    broken = []
    for target in links(document.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:
            if not target.lower().startswith(("https:", "http:", "mailto:")):
                broken.append(f"{target} (only web links may leave the repository)")
            continue
        file_part = target.split("#", 1)[0]
        if not file_part:
            continue  # an anchor in the same document
        resolved = (document.parent / file_part).resolve()
        if Path(file_part).is_absolute() or REPO.resolve() not in (resolved, *resolved.parents):
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
    assert not broken, f"{document.relative_to(REPO)}: " + "; ".join(broken)


def test_the_link_finder_sees_links_but_not_code():
    assert links("see [the record](run-record.md#a-process), ![plot](p.png)\n[ref]: shards.md\n") == [
        "run-record.md#a-process", "p.png", "shards.md"]
    assert links("`[not](a-link.md)`\n```\n[nor](this.md)\n```\n") == []
