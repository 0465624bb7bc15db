"""From `sources:` entries to the ordered list of input files the crawl reads.

Folders are walked and globs expanded in sorted order, so every run (and every resume) sees the
same files in the same order; each file is named by a stable URI (`file:///...` or the remote
URL), which is what the resume cursor is keyed by. Remote paths are listed through fsspec.
`hf://datasets/OWNER/NAME` with a config and split is read from the Hub's Parquet conversion
(revision `refs/convert/parquet`, files `CONFIG/SPLIT/*.parquet`, or `CONFIG/partial-SPLIT/`
where the Hub converted only the first part of a very large dataset).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.contracts.shards import GLOB_MAGIC
from tandem.crawl.sources.source_config import SourceSettings

COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
HF_PARQUET_REVISION = "refs%2Fconvert%2Fparquet"


class SourceError(Exception):
    """A source that cannot be listed or read; `str(error)` is one line for the user.
    `usage` is True when the config is at fault (exit 2) rather than the moment (exit 1)."""

    def __init__(self, message: str, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class InputFile:
    uri: str  # stable name: the resume cursor's key, and the base of a document's fallback URL
    kind: str  # txt, html, jsonl, parquet, warc, wet
    source: int  # index into the sources list (its reading settings)
    local_path: Path | None = None  # set for local files, which are opened without fsspec


def detect_kind(name: str) -> str | None:
    """The reader for a file name, or None when it is not a document file."""
    lower = name.lower()
    if lower.endswith(".parquet"):
        return "parquet"
    base = next((lower[: -len(c)] for c in COMPRESSIONS if lower.endswith(c)), lower)
    compressed = base != lower
    if base.endswith(".wet"):
        return "wet"
    if base.endswith(".warc"):
        return "warc"
    if base.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if not compressed and base.endswith(".txt"):
        return "txt"
    if not compressed and base.endswith((".html", ".htm")):
        return "html"
    return None


def resolve_inputs(sources: list[SourceSettings]) -> list[InputFile]:
    inputs: list[InputFile] = []
    seen: set[str] = set()
    for index, source in enumerate(sources):
        found = _remote_inputs(source, index) if source.is_remote else _local_inputs(source, index)
        for item in found:
            if item.uri not in seen:  # a file named by two entries is read once
                seen.add(item.uri)
                inputs.append(item)
    return inputs


def _kind_for(source: SourceSettings, name: str) -> str | None:
    return detect_kind(name) if source.format == "auto" else source.format


def _local_inputs(source: SourceSettings, index: int) -> list[InputFile]:
    text = source.path.removeprefix("file://")
    if GLOB_MAGIC & set(text):
        paths = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not paths:
            raise SourceError(f"sources: {source.path} matches no file")
    else:
        root = Path(text)
        if root.is_dir():
            paths = sorted(p for p in root.rglob("*") if p.is_file())
        elif root.is_file():
            paths = [root]
        else:
            raise SourceError(f"sources: {source.path} does not exist")
    explicit = len(paths) == 1 and not Path(text).is_dir()
    items = []
    for path in paths:
        kind = _kind_for(source, path.name)
        if kind is None:
            if explicit:
                raise SourceError(f"sources: {source.path}: unknown kind of file (set format:)")
            continue
        items.append(InputFile(path.resolve().as_uri(), kind, index, path))
    return items


def remote_filesystem(source: SourceSettings) -> tuple[Any, str]:
    """(fsspec file system, path within it) for a remote source; a missing driver is one line."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(source.path, **source.storage_options)
    except ImportError as exc:
        raise SourceError(f"sources: {source.path}: {exc}") from None
    except ValueError as exc:
        raise SourceError(f"sources: {source.path}: {exc}") from None


def _remote_inputs(source: SourceSettings, index: int) -> list[InputFile]:
    fs, path = remote_filesystem(source)
    try:
        if source.is_hf_dataset_root:
            names = _hf_split_files(fs, path, source)
        elif GLOB_MAGIC & set(path):
            names = sorted(fs.glob(path))
        elif fs.protocol in ("http", "https") or _kind_for(source, path) is not None:
            names = [path]  # a single file (HTTP servers cannot be listed)
        else:
            names = sorted(fs.find(path))
    except SourceError:
        raise
    except Exception as exc:  # each file system has its own errors (httpx's ConnectError
        # for hf://, not an OSError): any of them is this moment's failure, one line, and a resume tries again
        said = (str(exc).splitlines() or [""])[0][:300]
        raise SourceError(f"sources: cannot list {source.path}: {type(exc).__name__}: {said}", usage=False) from None
    items = []
    for name in names:
        kind = _kind_for(source, name)
        if kind is not None:
            items.append(InputFile(fs.unstrip_protocol(name), kind, index))
    if not items:
        raise SourceError(f"sources: {source.path} holds no file tandem can read")
    return items


def _hf_split_files(fs: Any, path: str, source: SourceSettings) -> list[str]:
    repo = path.rstrip("/").split("@")[0]
    base = f"{repo}@{HF_PARQUET_REVISION}/{source.config}"
    for folder in (source.split, f"partial-{source.split}"):
        try:
            names = sorted(fs.glob(f"{base}/{folder}/*.parquet"))
        except FileNotFoundError:
            names = []
        if names:
            return list(names)
    raise SourceError(f"sources: {source.path}: no Parquet files for config {source.config!r}, "
                      f"split {source.split!r} (looked in {base}/{source.split}/)")
