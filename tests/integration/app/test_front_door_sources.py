"""Every kind of source through the front door: `invoke crawl --no-web-crawl` and
`invoke parallel --no-web-crawl` (with a tiny trainer following the crawl) read a config whose
inputs are under `sources:` — a folder, a glob, JSONL, JSONL.gz, WARC, WET, Parquet, a WARC over
https:// from a server on 127.0.0.1, and a Hub dataset through `hf://` from a fake Hub on
127.0.0.1 — pre-flight check included (it used to refuse every config without `local_sources`)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.file_servers import FakeHub, FolderServer
from support.front_door import Project
from support.warc_files import write_warc
from warcio.warcwriter import WARCWriter

from tandem.demosite.site import generate_site

PER_KIND = 6  # articles in each kind's files
KINDS = ["folder", "glob", "jsonl", "jsonl_gz", "warc", "wet", "parquet", "https", "hf"]


def _article_pages(root: Path) -> list[tuple[str, str, bytes]]:
    """(path, main text, HTML bytes) of distinct articles of a generated site."""
    manifest = generate_site(root, pages=200, seed=11)
    return [(p.path, p.main_text, (root / p.path.lstrip("/")).read_bytes()) for p in manifest.pages
            if p.kind == "article" and not p.duplicate_of and p.main_text]


def _write_wet(path: Path, pages: list[tuple[str, str, bytes]], host: str) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url_path, text, _ in pages:
            writer.write_record(writer.create_warc_record(
                f"https://{host}{url_path}", "conversion", payload=io.BytesIO(text.encode()),
                warc_content_type="text/plain", warc_headers_dict={"WARC-Identified-Content-Language": "jpn"}))


def _jsonl(pages: list[tuple[str, str, bytes]], host: str) -> bytes:
    return "".join(json.dumps({"text": text, "url": f"https://{host}{url_path}"}, ensure_ascii=False) + "\n"
                   for url_path, text, _ in pages).encode()


class Sources:
    """One `sources:` entry per kind, each over its own articles, and how to tell its records."""

    def __init__(self, root: Path) -> None:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pytest.importorskip("huggingface_hub")
        pages = _article_pages(root / "site")
        assert len(pages) >= PER_KIND * len(KINDS)
        share = {kind: pages[i * PER_KIND : (i + 1) * PER_KIND] for i, kind in enumerate(KINDS)}
        files = root / "files"
        for kind in ("folder", "glob"):
            (files / kind).mkdir(parents=True)
            for number, (_, _, body) in enumerate(share[kind]):
                (files / kind / f"page-{number}.html").write_bytes(body)
        (files / "docs.jsonl").write_bytes(_jsonl(share["jsonl"], "jsonl.example"))
        (files / "docs-gz.jsonl.gz").write_bytes(gzip.compress(_jsonl(share["jsonl_gz"], "jsonlgz.example")))
        write_warc(files / "crawl.warc.gz", [(p, body, "text/html; charset=utf-8") for p, _, body in share["warc"]],
                   host="warc.example")
        _write_wet(files / "CC-MAIN-x.warc.wet.gz", share["wet"], "wet.example")
        pq.write_table(pa.table({"text": [t for _, t, _ in share["parquet"]],
                                 "url": [f"https://parquet.example{p}" for p, _, _ in share["parquet"]]}),
                       files / "docs.parquet", row_group_size=2)
        served = root / "served"
        served.mkdir()
        write_warc(served / "remote.warc.gz", [(p, body, "text/html; charset=utf-8")
                                               for p, _, body in share["https"]], host="remote.example")
        self.server = FolderServer(served, tls_dir=root)
        split = root / "hub" / "tandem-test" / "ja-docs" / "refs/convert/parquet" / "default" / "train"
        split.mkdir(parents=True)
        pq.write_table(pa.table({"text": [t for _, t, _ in share["hf"]],
                                 "url": [f"https://hub.example{p}" for p, _, _ in share["hf"]]}),
                       split / "0000.parquet", row_group_size=2)
        self.hub = FakeHub(root / "hub")
        self.entries: dict[str, Any] = {
            "folder": str(files / "folder"),
            "glob": f"{files / 'glob'}/*.html",
            "jsonl": str(files / "docs.jsonl"),
            "jsonl_gz": str(files / "docs-gz.jsonl.gz"),
            "warc": str(files / "crawl.warc.gz"),
            "wet": str(files / "CC-MAIN-x.warc.wet.gz"),
            "parquet": str(files / "docs.parquet"),
            # A self-signed certificate: {ssl: false} tells aiohttp not to check it (never on the web).
            "https": {"path": f"{self.server.url}/remote.warc.gz", "storage_options": {"ssl": False}},
            "hf": {"path": "hf://datasets/tandem-test/ja-docs", "config": "default", "split": "train",
                   "storage_options": {"endpoint": self.hub.url, "token": False}},
        }
        self.prefixes = {
            "folder": (files / "folder").resolve().as_uri(), "glob": (files / "glob").resolve().as_uri(),
            "jsonl": "https://jsonl.example/", "jsonl_gz": "https://jsonlgz.example/",
            "warc": "https://warc.example/", "wet": "https://wet.example/", "parquet": "https://parquet.example/",
            "https": "https://remote.example/", "hf": "https://hub.example/",
        }

    def kind_of(self, record: dict[str, Any]) -> str:
        return next(kind for kind, prefix in self.prefixes.items() if record["url"].startswith(prefix))

    def close(self) -> None:
        self.server.close()
        self.hub.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sources]:
    made = Sources(tmp_path_factory.mktemp("sources"))
    try:
        yield made
    finally:
        made.close()


@pytest.mark.parametrize("program", ["invoke", "tandem"])
@pytest.mark.parametrize("kind", KINDS)
def test_invoke_crawl_no_web_crawl_reads_each_kind(sources: Sources, tmp_path: Path, kind: str, program: str) -> None:
    """`invoke crawl --no-web-crawl` in a clone, `tandem crawl --no-web-crawl` installed."""
    project = Project(tmp_path / "project", program)
    config = project.crawl_config("crawl.yaml", sources=[sources.entries[kind]], output_dir=f"data/{kind}",
                                  workers=1)
    done = project.invoke("crawl", "--no-web-crawl", "--config", str(config), "--target", "3")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    records = project.shard_records(f"data/{kind}")
    assert len(records) == 3 and {sources.kind_of(r) for r in records} == {kind}
    record = project.record()
    assert record["kind"] == "crawl" and record["processes"]["crawl"]["status"] == "succeeded"
    assert "--no-web-crawl" in record["processes"]["crawl"]["command"]


def test_invoke_parallel_no_web_crawl_reads_every_kind_while_training(sources: Sources, tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    crawl = project.crawl_config("crawl.yaml", sources=list(sources.entries.values()), output_dir="data/all",
                                 target=10_000)
    train = project.train_config("train.yaml", "data/all/shards/*.jsonl")
    done = project.invoke("parallel", "--no-web-crawl", "--crawl-config", str(crawl), "--train-config", str(train))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    kinds = [sources.kind_of(r) for r in project.shard_records("data/all")]
    assert set(kinds) == set(KINDS), {kind: kinds.count(kind) for kind in KINDS}
    record = project.record()
    assert {name: entry["status"] for name, entry in record["processes"].items()} == \
        {"train": "succeeded", "crawl": "succeeded"}
    assert project.status(record, "train")["done"] == 6


@pytest.mark.parametrize("task", ["crawl", "parallel"])
def test_the_no_web_crawl_help_names_sources_and_every_kind(tmp_path: Path, task: str) -> None:
    shown = Project(tmp_path / "project").invoke("--help", task)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())  # as one line, however Invoke wraps it
    assert "local_sources" not in text
    assert "--no-web-crawl read the crawl config's sources: (folders, globs, txt/html/JSONL/Parquet/WARC/WET " \
           "files, https:// and hf:// URLs) instead of crawling the web" in text
