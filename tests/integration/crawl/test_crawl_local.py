"""--no-web-crawl: the same pipeline fed from .txt, .html, .jsonl and WARC files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def _articles(manifest) -> list:
    return [p for p in manifest.pages if p.kind == "article"]


def _write_sources(root: Path, site_root: Path, manifest) -> Path:
    articles = _articles(manifest)
    folder = root / "sources"
    (folder / "txt").mkdir(parents=True)
    (folder / "html").mkdir()
    for page in articles[0:8]:
        (folder / "txt" / f"{Path(page.path).stem}.txt").write_text(page.main_text, encoding="utf-8")
    for page in articles[8:16]:  # in their original encodings
        (folder / "html" / Path(page.path).name).write_bytes((site_root / page.path.lstrip("/")).read_bytes())
    lines = [json.dumps({"text": p.main_text, "url": f"https://example.jp{p.path}", "title": p.title},
                        ensure_ascii=False) for p in articles[16:24]]
    lines.append("{not json")
    lines.append(json.dumps({"text": articles[0].main_text}, ensure_ascii=False))  # exact dup of a .txt
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (folder / "crawl.warc.gz").open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for page in articles[24:32]:
            body = (site_root / page.path.lstrip("/")).read_bytes()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"https://warc.example.jp{page.path}", "response",
                                               payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)
    return folder


def test_local_sources_all_formats(demo_site, write_config, run_crawl, shards, tmp_path) -> None:
    site_root, manifest = demo_site
    folder = _write_sources(tmp_path, site_root, manifest)
    config = write_config(target=1000, local_sources=[str(folder)])
    done = run_crawl(config, "--no-web-crawl")
    assert done.returncode == 0, done.stderr
    records = shards(tmp_path / "out")
    urls = [r["url"] for r in records]
    assert all(r["source"] == "local" for r in records)
    assert sum(u.endswith(".txt") for u in urls) >= 6
    assert sum(u.startswith("file:") and u.endswith(".html") for u in urls) >= 6
    assert sum(u.startswith("https://example.jp/") for u in urls) >= 6
    assert sum(u.startswith("https://warc.example.jp/") for u in urls) >= 6
    assert "\ufffd" not in "".join(r["text"] for r in records)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "exhausted"
    assert stats["dropped"]["bad_jsonl_line"] == 1 and stats["duplicates_exact"] >= 1
    assert len({r["id"] for r in records}) == len(records) == stats["kept"]


def test_local_target_is_exact_and_a_larger_one_resumes(demo_site, write_config, run_crawl, shards, tmp_path) -> None:
    site_root, manifest = demo_site
    folder = _write_sources(tmp_path, site_root, manifest)
    config = write_config(target=11, local_sources=[str(folder)])
    assert run_crawl(config, "--no-web-crawl").returncode == 0
    first = shards(tmp_path / "out")
    assert len(first) == 11
    assert run_crawl(config, "--target", "20", "--no-web-crawl").returncode == 0
    records = shards(tmp_path / "out")
    assert len(records) == len({r["id"] for r in records}) == 20
    assert [r["id"] for r in records[:11]] == [r["id"] for r in first]


def test_bad_config_is_one_line_and_exit_2(write_config, run_crawl, tmp_path) -> None:
    for config in (write_config(workers=0), write_config(fetch={"max_bytes": "big"}),
                   write_config(surprise=1), write_config(local_sources=[])):
        done = run_crawl(config, "--no-web-crawl")
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    flag = run_crawl(write_config(), "--target", "many")
    assert flag.returncode == 2 and flag.stderr.count("\n") == 1


def test_help_documents_every_flag(run_crawl, write_config) -> None:
    shown = run_crawl(write_config(), "--help")
    assert shown.returncode == 0
    for flag in ("--config", "--target", "--workers", "--seeds", "--no-web-crawl", "--no-auto-resume",
                 "--output-dir", "--status-file"):
        assert flag in shown.stdout


def test_a_crawl_that_keeps_nothing_ends_with_exit_0_and_says_so(write_config, run_crawl, tmp_path) -> None:
    folder = tmp_path / "short"
    folder.mkdir()
    for number in range(3):
        (folder / f"{number}.txt").write_text(f"短すぎる文書その{number}です。", encoding="utf-8")
    done = run_crawl(write_config(target=50, local_sources=[str(folder)]), "--no-web-crawl")
    assert done.returncode == 0, done.stderr
    warning = [line.split(" ", 2)[2] for line in done.stdout.splitlines() if "KEPT NOTHING" in line]
    assert warning == ["WARNING KEPT NOTHING (target 50): nothing left to crawl after 3 pages fetched; "
                       "top drop reasons: too_short 3"]  # after the line's date and time
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "exhausted" and stats["kept"] == 0
    assert stats["end_note"] == warning[0].removeprefix("WARNING ")
    too_short = stats["filters"]["too_short"]
    assert (too_short["checked"], too_short["dropped"]) == (3, 3) and too_short["seconds"] >= 0
    assert stats["filters"]["extract"]["checked"] == 3
