"""`--no-web-crawl`: documents from local files, through the same filters, dedup and shards.

Folders are walked in sorted order (so a resume sees the same sequence) for `.txt` (one
document a file), `.html`/`.htm` (decoded and extracted like a fetched page), `.jsonl` (one
object a line with `text` and optionally `url`, `title`) and WARC (`.warc`, `.warc.gz`:
HTML responses, and text conversions as in WET files). Each document has a stable key (file
URI, plus line number or record offset) kept in the frontier, so a resume skips what is done.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from tandem.common.script_main import timestamped
from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.warc import warc_documents
from tandem.crawl.storage.frontier import DONE, Frontier
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.text.page_analysis import PageAnalyzer

SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".warc", ".warc.gz")
LOCAL_HOST = "local"


def source_files(sources: list[Path]) -> Iterator[Path]:
    for source in sources:
        if source.is_dir():
            yield from sorted(p for p in source.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
        elif source.is_file():
            yield source
        else:
            raise FileNotFoundError(f"local source not found: {source}")


def documents(path: Path) -> Iterator[LocalDocument]:
    uri = path.resolve().as_uri()
    name = path.name.lower()
    if name.endswith(".txt"):
        yield LocalDocument(uri, uri, path.stem, text=path.read_text(encoding="utf-8", errors="replace"))
    elif name.endswith((".html", ".htm")):
        yield LocalDocument(uri, uri, path.stem, html=path.read_bytes())
    elif name.endswith(".jsonl"):
        yield from _jsonl_documents(path, uri)
    elif name.endswith((".warc", ".warc.gz")):
        yield from warc_documents(path, uri)


def _jsonl_documents(path: Path, uri: str) -> Iterator[LocalDocument]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            key = f"{uri}#line={number}"
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text = obj["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError):
                yield LocalDocument(key, key, "", error="bad_jsonl_line")
                continue
            yield LocalDocument(key, str(obj.get("url") or key), str(obj.get("title") or ""), text=text)


def run_local(
    sources: list[Path],
    keeper: SampleKeeper,
    analyzer: PageAnalyzer,
    frontier: Frontier,
    should_stop: Callable[[], bool],
    tick: Callable[[], None],
) -> str:
    """Feed every local document to the keeper; "target_reached", "exhausted" or "interrupted"."""
    stats = keeper.stats
    for path in source_files(sources):
        for doc in documents(path):
            if keeper.reached_target:
                return "target_reached"
            if should_stop():
                return "interrupted"
            tick()
            url_id = frontier.claim(doc.key, LOCAL_HOST, 0)
            if url_id is None:
                continue  # done in an earlier run (or the same document twice in the sources)
            stats.count_fetch(len(doc.html or b"") or len((doc.text or "").encode("utf-8")))
            if doc.error is not None:
                stats.drop(doc.error)
                frontier.finish(url_id, DONE, doc.error)
                continue
            try:
                if doc.html is not None:
                    page = analyzer.analyse_html(doc.html, doc.content_type, doc.url, doc.title)
                else:
                    page = analyzer.analyse_text(doc.text or "", doc.title)
            except Exception as exc:  # one odd document must not end the run
                print(timestamped(f"analysis failed for {doc.url}: {type(exc).__name__}: {exc}", "ERROR"),
                      file=sys.stderr)
                stats.drop("analysis_error")
                frontier.finish(url_id, DONE, "analysis_error")
                continue
            reason = keeper.offer(page, doc.url, "local", url_id)
            if reason is not None and reason != "target_reached":
                frontier.finish(url_id, DONE, reason)
    return "target_reached" if keeper.reached_target else "exhausted"
