"""Remote and record sources as real servers and real mistakes present them: an endpoint that
refuses, a static server without byte ranges, a Parquet file without the configured column, a
line far longer than any document, a server that stops sending mid-answer. Each is one line
and the exit of docs/exit-codes.md, never a traceback, and never a crawl that hangs."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.file_servers import FolderServer, StallingServer
from support.paths import REPO
from support.source_crawls import SCRIPT, crawl, ids, write_config
from support.warc_files import demo_articles, write_warc

from tandem.demosite.prose import TOPICS, ProseGenerator


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_hf_endpoint_that_refuses_is_one_line_and_exit_1(tmp_path) -> None:
    source = {"path": "hf://datasets/someone/corpus/ja/*.parquet",
              "storage_options": {"endpoint": f"http://127.0.0.1:{refused_port()}"}}
    done = crawl(write_config(tmp_path / "crawl.yaml", source, tmp_path / "out"))
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.endswith("failed: sources: cannot list hf://datasets/someone/corpus/ja/*.parquet: ConnectError: "
                         "[Errno 111] Connection refused"), line


def test_parquet_without_the_text_column_is_one_line_naming_file_columns_and_field_exit_2(tmp_path) -> None:
    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"content": ["本文です。"] * 3, "link": ["https://ja.example/"] * 3}), data)
    config = write_config(tmp_path / "crawl.yaml", str(data), tmp_path / "out")
    done = crawl(config)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line == (f"error: {config}: sources[0].text_field: {data.resolve().as_uri()} has no column 'text'; "
                    "columns found: content, link"), line


def japanese_jsonl(path: Path, count: int = 40, start: int = 0) -> list[str]:
    prose = ProseGenerator(random.Random(5 + start))
    topics = list(TOPICS)
    lines = [json.dumps({"text": "\n".join(prose.article(topics[n % len(topics)], 5, 5).paragraphs),
                         "url": f"https://ja.example/{n}"}, ensure_ascii=False) + "\n"
             for n in range(start, start + count)]
    path.write_text("".join(lines), encoding="utf-8")
    return lines


def test_jsonl_and_parquet_from_a_server_without_byte_ranges_are_streamed_and_resumed(tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    lines = japanese_jsonl(site / "docs.jsonl")
    rows = [json.loads(line) for line in japanese_jsonl(tmp_path / "more.jsonl", start=100)]
    pq.write_table(pa.table({"text": [r["text"] for r in rows], "url": [r["url"] for r in rows]}),
                   site / "docs.parquet", row_group_size=10)
    reference = tmp_path / "reference"
    local = [str(site / "docs.jsonl"), str(site / "docs.parquet")]
    assert crawl(write_config(tmp_path / "reference.yaml", local[0], reference, sources=local)).returncode == 0
    expected = ids(reference)
    assert len(expected) > 40 and len(lines) == 40

    server = FolderServer(site, ranges=False)
    try:
        remote = [f"{server.url}/docs.jsonl", f"{server.url}/docs.parquet"]
        out = tmp_path / "out"
        first = crawl(write_config(tmp_path / "first.yaml", remote[0], out, sources=remote, target=10))
        assert first.returncode == 0, first.stdout + first.stderr
        assert len(ids(out)) == 10
        resumed = crawl(write_config(tmp_path / "crawl.yaml", remote[0], out, sources=remote))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "cannot read on" not in resumed.stdout + resumed.stderr
    finally:
        server.close()
    assert texts_of(out) == texts_of(reference)  # the same records in the same order: none lost, none twice


def texts_of(out: Path) -> list[str]:
    return [json.loads(line)["text"] for shard in sorted((out / "shards").glob("shard-*.jsonl"))
            for line in shard.read_text(encoding="utf-8").splitlines()]


def peak_rss_crawl(config: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """The crawl in a process that reports its own peak RSS (bytes) on its last stderr line.

    The peak is the process image's own high-water mark (VmHWM), not `ru_maxrss`: Linux folds
    into that the peak of the image it replaced at exec, here a fork of the pytest worker,
    hundreds of MB after the torch tests that ran in it."""
    code = ("import re, runpy, sys\n"
            f"sys.argv = [{str(SCRIPT)!r}, '--config', {str(config)!r}, '--no-web-crawl']\n"
            "try:\n"
            f"    runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
            "finally:\n"
            "    peak_kb = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
            "    print('PEAK', int(peak_kb) * 1024, file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                          cwd=config.parent)  # not the repository: `-c` puts the working folder first on sys.path
    peak = int(done.stderr.strip().splitlines()[-1].split()[1])
    return done, peak


@pytest.mark.parametrize("name", ["bomb.jsonl.gz", "long.jsonl"])
def test_a_gzip_bomb_or_a_huge_line_is_read_past_in_pieces_and_counted(tmp_path, name) -> None:
    """One line of 512 MB between ordinary lines: inflated from ~0.5 MB (a gzip bomb), or as is."""
    lines = japanese_jsonl(tmp_path / "plain.jsonl")
    bomb = tmp_path / name
    with (gzip.open(bomb, "wb", compresslevel=1) if name.endswith(".gz") else bomb.open("wb")) as stream:
        stream.writelines(line.encode() for line in lines[:20])
        stream.write(b'{"text": "')
        zeros = b"0" * (1 << 24)
        for _ in range(32):
            stream.write(zeros)
        stream.write(b'"}\n')
        stream.writelines(line.encode() for line in lines[20:])
    out = tmp_path / "out"
    done, peak = peak_rss_crawl(write_config(tmp_path / "crawl.yaml", str(bomb), out))
    assert done.returncode == 0, done.stdout + done.stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["dropped"].get("record_too_long") == 1
    assert stats["kept"] == len(lines)
    assert peak < 400 * 2**20, f"peak RSS {peak / 2**20:.0f} MiB"


def test_a_server_that_stops_sending_mid_body_fails_the_input_after_the_read_timeout(small_site, tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    write_warc(site / "crawl.warc.gz", demo_articles(small_site))
    server = StallingServer(site)
    try:
        out = tmp_path / "out"
        config = write_config(tmp_path / "crawl.yaml", f"{server.url}/crawl.warc.gz", out,
                              fetch={"read_timeout_s": 1})
        done = crawl(config, timeout=120)  # before: the read waited for aiohttp's 300 s
    finally:
        server.close()
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Traceback" not in said
    assert f"{server.url}/crawl.warc.gz: cannot read on (no bytes for 1 s (fetch.read_timeout_s)" in said
    assert len(ids(out)) > 0, said  # what came before the stall is kept; a resume reads on from there


def test_sigterm_ends_a_crawl_whose_server_stopped_sending(small_site, tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    write_warc(site / "crawl.warc.gz", demo_articles(small_site))
    server = StallingServer(site, first_bytes=100)  # less than a record: the crawl waits inside its read
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    out = tmp_path / "out"
    config = write_config(tmp_path / "crawl.yaml", f"{server.url}/crawl.warc.gz", out,
                          fetch={"read_timeout_s": 600})
    process = subprocess.Popen([sys.executable, str(SCRIPT), "--config", str(config), "--no-web-crawl"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert server.stalled.wait(120), "the crawl never asked the server for the file"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)  # before: 300 s (aiohttp's own read timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        server.close()
    assert process.returncode == 143, stdout + stderr
    assert "stopped by signal 15" in stdout
    assert "Traceback" not in stdout + stderr
