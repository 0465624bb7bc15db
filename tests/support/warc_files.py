"""WARC files for tests, written with warcio from the generated demo site's article pages."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ENGLISH = "<html lang='en'><body><p>" + "An English page about nothing in particular. " * 60 + "</p></body></html>"


def demo_articles(demo_site) -> list[tuple[str, bytes, str]]:
    """(path, body, content type) of every article of the demo site, in its own encoding."""
    root, manifest = demo_site
    pages = []
    for page in manifest.pages:
        if page.kind != "article":
            continue
        content_type = f"text/html; charset={page.encoding}" if page.declaration.startswith("header") else "text/html"
        pages.append((page.path, (root / page.path.lstrip("/")).read_bytes(), content_type))
    return pages


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], english_every: int = 0, mirrors: int = 0,
               host: str = "ja.example") -> None:
    """One gzipped response record a page, an English page every `english_every` records, and each
    page again under `mirrors` other hosts right after it (exact duplicates: work, nothing to keep)."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for index, (url_path, body, content_type) in enumerate(pages):
            if english_every and index % english_every == 0:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    f"https://en.example/{index}", "response", payload=io.BytesIO(ENGLISH.encode()), http_headers=http))
            for name in [host] + [f"mirror{m}.example" for m in range(mirrors)]:
                http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://{name}{url_path}", "response",
                                                              payload=io.BytesIO(body), http_headers=http))
