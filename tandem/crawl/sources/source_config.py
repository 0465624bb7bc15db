"""One entry of `sources:` in the crawl config: where documents come from and how to read them.

An entry is either a plain string (a folder, a file, a glob or a URL, read by its suffix) or a
mapping with the same `path` and the settings below. Remote paths go through fsspec: `https://`,
`s3://` (with `pip install s3fs`), `hf://` (the Hugging Face Hub's file system), and any other
protocol fsspec knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SourceFormat = Literal["auto", "txt", "html", "jsonl", "parquet", "warc", "wet"]
HF_DATASETS = "hf://datasets/"


@dataclass
class SourceSettings:
    path: str = field(default="", metadata={"help": (
        "A folder, file or glob (`data/*.warc.gz`), or a URL fsspec can open: "
        "`https://host/file.warc.gz`, `s3://bucket/prefix/`, `hf://datasets/OWNER/NAME/ja/*.parquet`, "
        "or `hf://datasets/OWNER/NAME` with `config` and `split`.")})
    format: SourceFormat = field(default="auto", metadata={"help": (
        "How to read the files: auto (by suffix: .txt, .html/.htm, .jsonl/.json[.gz|.zst], .parquet, "
        ".warc[.gz], .wet[.gz] or .warc.wet[.gz]), or one of txt, html, jsonl, parquet, warc, wet for all.")})
    text_field: str = field(default="text", metadata={"help": (
        "JSONL and Parquet: the field holding the document's text.")})
    url_field: str = field(default="url", metadata={"help": (
        "JSONL and Parquet: the field holding the document's URL (optional in the data; the file "
        "and line or row number stand in for it).")})
    title_field: str = field(default="title", metadata={"help": (
        "JSONL and Parquet: the field holding the title (optional in the data).")})
    language_field: str = field(default="", metadata={"help": (
        "JSONL and Parquet: a field with the languages a tool identified for the document (as "
        "`ja` or `jpn,eng`), used by the pre-filter; empty: none.")})
    config: str = field(default="", metadata={"help": (
        "`hf://datasets/OWNER/NAME` only: the dataset's config (subset), read from the Hub's "
        "Parquet conversion.")})
    split: str = field(default="", metadata={"help": (
        "`hf://datasets/OWNER/NAME` only: the split (train, validation, ...).")})
    storage_options: dict[str, Any] = field(default_factory=dict, metadata={"help": (
        "Options for the fsspec file system of a remote path, e.g. `{endpoint: URL}` for `hf://`, "
        "`{anon: true}` or credentials for `s3://`, `{headers: {...}}` for `https://`.")})

    def __post_init__(self) -> None:
        if not self.path.strip():
            raise ValueError("path: must name a folder, file, glob or URL")
        if self.is_hf_dataset_root and not (self.config and self.split):
            raise ValueError(f"config: and split: are needed to read {self.path} (a whole Hub dataset)")
        if (self.config or self.split) and not self.is_hf_dataset_root:
            raise ValueError(f"config: and split: apply only to hf://datasets/OWNER/NAME, not {self.path}")
        if not self.text_field:
            raise ValueError("text_field: must not be empty")

    @property
    def is_remote(self) -> bool:
        return "://" in self.path and not self.path.startswith("file://")

    @property
    def is_hf_dataset_root(self) -> bool:
        """`hf://datasets/OWNER/NAME` (optionally `@revision`) with nothing after the name."""
        if not self.path.startswith(HF_DATASETS):
            return False
        return len(self.path[len(HF_DATASETS):].strip("/").split("/")) == 2


def source_settings(entry: str | SourceSettings) -> SourceSettings:
    return entry if isinstance(entry, SourceSettings) else SourceSettings(path=str(entry))
