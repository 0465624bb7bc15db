"""One document from a file or remote source, before analysis."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LocalDocument:
    key: str  # stable name: file URI (+ #line=N, #row=N or #offset=N)
    url: str  # the record's url: the page's own URL when the source knows it
    title: str
    text: str | None = None  # plain text, or…
    html: bytes | None = None  # …a page to decode and extract
    content_type: str | None = None
    error: str | None = None  # a line or record that could not be read
    languages: str | None = None  # languages the source identified (WARC-Identified-Content-Language)

    @property
    def size(self) -> int:
        """Bytes read for this document (the crawl's bytes_fetched)."""
        return len(self.html or b"") or len((self.text or "").encode("utf-8"))
