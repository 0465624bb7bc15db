"""`--no-web-crawl` with every kind of source, as a user runs it: WARC and WET files written by
warcio, Parquet by pyarrow, JSONL with a named text field, a WARC over https:// from a server on
127.0.0.1, a Hub dataset through huggingface_hub's own `hf://` file system pointed at a fake Hub
on 127.0.0.1 (the real Hub cannot be reached from here); kill -9 and resume, with one process
and with worker processes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import yaml
from support.file_servers import FakeHub, FolderServer
from support.paths import REPO, SCRIPTS
from support.processes import alive, wait_for
from support.warc_files import demo_articles, write_warc
from warcio.warcwriter import WARCWriter

from tandem.crawl.sources.inputs import InputFile
from tandem.crawl.sources.reading import read_input
from tandem.crawl.sources.source_config import SourceSettings


@pytest.fixture(scope="module")
def warc_folder(demo_site, tmp_path_factory) -> Path:
    """The demo site's articles in three WARC files, with an English page every fifth record."""
    folder = tmp_path_factory.mktemp("warcs")
    articles = demo_articles(demo_site)
    third = len(articles) // 3 + 1
    for n in range(3):
        write_warc(folder / f"crawl-{n}.warc.gz", articles[n * third : (n + 1) * third], english_every=5)
    return folder


@pytest.fixture(scope="module")
def big_warc_folder(demo_site, tmp_path_factory) -> Path:
    """As `warc_folder`, each article followed by three mirror copies: long enough to kill mid-way."""
    folder = tmp_path_factory.mktemp("big-warcs")
    articles = demo_articles(demo_site)
    third = len(articles) // 3 + 1
    for n in range(3):
        write_warc(folder / f"crawl-{n}.warc.gz", articles[n * third : (n + 1) * third], english_every=5, mirrors=3)
    return folder


def _records(shards, out: Path) -> list[dict]:
    records = shards(out)
    assert len(records) == len({r["id"] for r in records}) == len({r["url"] for r in records})
    return records


def test_warc_with_prefilter_counts_its_refusals(warc_folder, write_config, run_crawl, shards, tmp_path) -> None:
    config = write_config(target=10_000, sources=[str(warc_folder)], workers=1)
    done = run_crawl(config, "--no-web-crawl")
    assert done.returncode == 0, done.stderr
    records = _records(shards, tmp_path / "out")
    assert len(records) > 30 and all(r["url"].startswith("https://ja.example/") for r in records)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert stats["dropped"]["prefilter_no_kana"] >= 20  # the English pages, refused before decoding
    assert stats["finish_reason"] == "exhausted"


def test_worker_processes_count_every_filter_as_one_process_does(warc_folder, write_config, run_crawl,
                                                                 tmp_path) -> None:
    """The per-filter counts in stats.json come from the workers too, not only from the crawl's own
    process (which analyses nothing when workers read)."""
    filters = {}
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        config = write_config(target=10_000, sources=[str(warc_folder)], workers=workers,
                              extract=STATELESS, output_dir=str(out))
        done = run_crawl(config, "--no-web-crawl")
        assert done.returncode == 0, done.stderr
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        filters[workers] = {step: (c["checked"], c["dropped"]) for step, c in stats["filters"].items()}
    assert filters[1]["prefilter"][1] >= 20 and filters[1]["extract"][0] > 30
    assert filters[2] == filters[1]


def test_parquet_jsonl_and_wet_with_named_fields(demo_site, write_config, run_crawl, shards, tmp_path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    _, manifest = demo_site
    articles = [p for p in manifest.pages if p.kind == "article" and not p.duplicate_of]
    parquet = tmp_path / "ds" / "train-00000.parquet"
    parquet.parent.mkdir()
    pq.write_table(pa.table({"content": [p.main_text for p in articles[:10]],
                             "link": [f"https://pq.example{p.path}" for p in articles[:10]]}), parquet,
                   row_group_size=3)
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"body": p.main_text, "url": f"https://jl.example{p.path}"},
                                        ensure_ascii=False) + "\n" for p in articles[10:20]), encoding="utf-8")
    wet = tmp_path / "CC-MAIN-x.warc.wet.gz"
    with wet.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for index, page in enumerate(articles[20:30]):
            language = "eng" if index == 0 else "jpn,eng"  # the first: identified as English, refused
            writer.write_record(writer.create_warc_record(
                f"https://wet.example{page.path}", "conversion", payload=io.BytesIO(page.main_text.encode()),
                warc_content_type="text/plain", warc_headers_dict={"WARC-Identified-Content-Language": language}))
    config = write_config(target=10_000, workers=1, sources=[
        {"path": str(parquet.parent), "text_field": "content", "url_field": "link"},
        {"path": str(jsonl), "text_field": "body"},
        str(wet),
    ])
    done = run_crawl(config, "--no-web-crawl")
    assert done.returncode == 0, done.stderr
    hosts = [r["url"].split("/")[2] for r in _records(shards, tmp_path / "out")]
    assert hosts.count("pq.example") >= 8 and hosts.count("jl.example") >= 8 and hosts.count("wet.example") >= 7
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert stats["dropped"]["prefilter_language"] == 1


def test_remote_warc_over_https_is_streamed_and_resumed_by_range(warc_folder, write_config, run_crawl, shards,
                                                                 tmp_path) -> None:
    server = FolderServer(warc_folder, tls_dir=tmp_path)
    try:
        url = f"{server.url}/crawl-1.warc.gz"
        # A self-signed certificate: {ssl: false} tells aiohttp not to check it (never do that on the web).
        config = write_config(target=8, workers=1, sources=[{"path": url, "storage_options": {"ssl": False}}])
        assert run_crawl(config, "--no-web-crawl").returncode == 0
        first = _records(shards, tmp_path / "out")
        server.requests.clear()
        resumed = run_crawl(config, "--no-web-crawl", "--target", "16")
        assert resumed.returncode == 0, resumed.stderr
        records = _records(shards, tmp_path / "out")
        assert len(records) == 16 and records[:8] == first
        starts = [int(r.split("=")[1].split("-")[0]) for _, _, r in server.requests if r]
        assert starts and min(starts) > 0, "the resume should start reading where the first run stopped"
    finally:
        server.close()


@pytest.mark.parametrize("ranges", [True, False])
def test_remote_resume_with_and_without_byte_ranges(warc_folder, tmp_path, ranges: bool) -> None:
    server = FolderServer(warc_folder, ranges=ranges)
    try:
        url = f"{server.url}/crawl-0.warc.gz"
        item, source = InputFile(url, "warc", 0), SourceSettings(path=url)
        everything = list(read_input(item, source, None))
        server.requests.clear()
        rest = list(read_input(item, source, everything[9][1]))
        assert [doc.key for doc, _ in rest] == [doc.key for doc, _ in everything[10:]]
        reads = [r for method, _, r in server.requests if method == "GET"]
        if ranges:  # opened at the saved record's offset
            assert any(r and not r.startswith("bytes=0-") and not r.startswith("bytes=1-") for r in reads)
        else:  # the server refuses ranges: read from the start, records before the position skipped
            assert None in reads
    finally:
        server.close()


def test_hub_dataset_config_and_split(demo_site, write_config, run_crawl, shards, tmp_path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("huggingface_hub")
    _, manifest = demo_site
    articles = [p for p in manifest.pages if p.kind == "article" and not p.duplicate_of][:30]
    split = tmp_path / "hub" / "tandem-test" / "ja-docs" / "refs/convert/parquet" / "default" / "train"
    split.mkdir(parents=True)
    for part in range(2):
        chunk = articles[part * 15 : (part + 1) * 15]
        pq.write_table(pa.table({"text": [p.main_text for p in chunk], "url": [f"https://hub.example{p.path}"
                                                                                for p in chunk]}),
                       split / f"{part:04d}.parquet", row_group_size=4)
    hub = FakeHub(tmp_path / "hub")
    try:
        config = write_config(target=20, workers=1, sources=[{
            "path": "hf://datasets/tandem-test/ja-docs", "config": "default", "split": "train",
            "storage_options": {"endpoint": hub.url, "token": False}}])
        done = run_crawl(config, "--no-web-crawl")
        assert done.returncode == 0, done.stderr
        assert len(_records(shards, tmp_path / "out")) == 20
        reads = [r for method, path, r in hub.requests if "/resolve/" in path and method == "GET"]
        assert reads and all(r and r.startswith("bytes=") for r in reads)  # ranges, not whole downloads
    finally:
        hub.close()


def test_a_source_that_cannot_be_listed_is_one_line(write_config, run_crawl, tmp_path) -> None:
    missing = run_crawl(write_config(sources=[str(tmp_path / "nothing-here")]), "--no-web-crawl")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "does not exist" in missing.stderr
    s3 = run_crawl(write_config(sources=["s3://bucket/crawl/*.warc.gz"]), "--no-web-crawl")
    assert s3.returncode in (1, 2) and s3.stderr.count("\n") == 1 and "Traceback" not in s3.stderr


# The extractor's per-host memory of repeated lines is saved without the lines seen once, so a
# resumed run may cut a page's boilerplate a little differently: left out here, the resume of the
# sources themselves must give exactly the uninterrupted run's records.
STATELESS = {"repeated_lines": False}


@pytest.fixture(scope="module")
def everything_kept(big_warc_folder, tmp_path_factory) -> list[str]:
    """The ids an uninterrupted one-process run keeps from `big_warc_folder`, in order."""
    folder = tmp_path_factory.mktemp("reference")
    config = folder / "crawl.yaml"
    config.write_text(yaml.safe_dump({"output_dir": str(folder / "out"), "sources": [str(big_warc_folder)],
                                      "workers": 1, "target": 10_000, "extract": STATELESS}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    done = subprocess.run([sys.executable, str(SCRIPTS / "crawl.py"), "--config", str(config), "--no-web-crawl"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["id"] for shard in sorted((folder / "out" / "shards").glob("shard-*.jsonl"))
            for line in shard.read_text(encoding="utf-8").splitlines()]


def _committed_count(out: Path) -> int:
    return sum(shard.read_bytes().count(b"\n") for shard in (out / "shards").glob("shard-*.jsonl"))


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_and_resume_is_exact(big_warc_folder, everything_kept, write_config, start_crawl, run_crawl, shards,
                                    tmp_path, workers) -> None:
    # One process reads in a fixed order: a target below the total keeps exactly the reference's
    # first records. Workers interleave files, so they run to the end and keep as many as it.
    target = 70 if workers == 1 else 10_000
    config = write_config(target=target, sources=[str(big_warc_folder)], workers=workers, extract=STATELESS,
                          output={"shard_size": 3, "flush_interval_s": 0.2})
    out = tmp_path / "out"
    committed: set[str] = set()
    # Each kill once the shards hold a further share of what the run will keep: moments set by
    # the crawl's progress, not by a clock, so a fast idle machine kills as early as a loaded one.
    total = min(target, len(everything_kept))
    for share in (0.1, 0.3, 0.5):
        crawl = start_crawl(config, "--no-web-crawl")
        goal = max(share * total, len(committed) + 1)
        wait_for(lambda goal=goal: _committed_count(out) >= goal,
                 timeout=60, what=f"{share:.0%} of the records committed", poll_s=0.005)
        workers_alive = [child.pid for child in psutil.Process(crawl.pid).children()]
        crawl.send_signal(signal.SIGKILL)
        stdout, _ = crawl.communicate(timeout=10)
        if workers > 1 and workers_alive:
            assert "with 2 worker processes" in stdout
            wait_for(lambda pids=workers_alive: not any(alive(pid) for pid in pids), timeout=10,
                     what="the workers to die with the crawl")
        now = {r["id"] for r in _records(shards, out)}
        assert committed <= now, "a committed record was lost"
        committed = now
    assert len(committed) < min(target, len(everything_kept)), "the kills came too late to test anything"
    finished = run_crawl(config, "--no-web-crawl")
    assert finished.returncode == 0, finished.stderr
    ids = [r["id"] for r in _records(shards, out)]
    assert committed <= set(ids)
    if workers == 1:
        assert ids == everything_kept[:target]
    else:
        assert len(ids) == len(everything_kept)
