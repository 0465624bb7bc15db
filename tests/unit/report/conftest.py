"""The report tests' own fixtures; run records come from `support.records` (shared)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.records import at, crawl_metrics, train_metrics


@pytest.fixture
def metrics() -> dict[str, Callable[..., dict[str, Any]]]:
    return {"crawl": crawl_metrics, "train": train_metrics}


@pytest.fixture
def at_time() -> Callable[[float], str]:
    return at


class MarkdownView:
    """The report as a CommonMark+GFM parser sees it: tables as cell texts, fences as contents."""

    def __init__(self) -> None:
        markdown_it = pytest.importorskip("markdown_it")
        self.parser = markdown_it.MarkdownIt("commonmark").enable("table")

    def tables(self, text: str) -> list[list[list[str]]]:
        tables: list[list[list[str]]] = []
        row: list[str] | None = None
        for token in self.parser.parse(text):
            if token.type == "table_open":
                tables.append([])
            elif token.type == "tr_open":
                row = []
            elif token.type in ("th_open", "td_open") and row is not None:
                row.append("")  # an empty cell has no inline token
            elif token.type == "inline" and row is not None:
                row[-1] = self._plain(token)
            elif token.type == "tr_close" and row is not None:
                tables[-1].append(row)
                row = None
        return tables

    def table_after(self, text: str, first_header: str) -> list[dict[str, str]]:
        """The rows of the table whose first header cell is `first_header`, as dicts."""
        for table in self.tables(text):
            if table and table[0] and table[0][0] == first_header:
                return [dict(zip(table[0], row, strict=True)) for row in table[1:]]
        raise AssertionError(f"no table headed {first_header!r}")

    def fences(self, text: str) -> list[str]:
        return [t.content for t in self.parser.parse(text) if t.type == "fence"]

    def html(self, text: str) -> str:
        return self.parser.render(text)

    def headings(self, text: str) -> list[str]:
        tokens = self.parser.parse(text)
        return [self._plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]

    def links(self, text: str) -> list[str]:
        found = []
        for token in self.parser.parse(text):
            for child in token.children or []:
                if child.type in ("link_open", "image"):
                    found.append(str(child.attrs.get("href") or child.attrs.get("src")))
        return found

    @staticmethod
    def _plain(token: Any) -> str:
        return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))


@pytest.fixture
def md() -> MarkdownView:
    return MarkdownView()
