"""One document from a local source, before analysis."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LocalDocument:
    key: str  # frontier key: file URI (+ #line=N or #offset=N)
    url: str  # the record's url: the page's own URL when the source knows it
    title: str
    text: str | None = None  # plain text, or…
    html: bytes | None = None  # …a page to decode and extract
    content_type: str | None = None
    error: str | None = None  # a line or record that could not be read
