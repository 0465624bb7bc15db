"""scripts/crawl.py against a generated site on 127.0.0.1 (real processes, real sockets)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from tandem.crawl.text.normalize import normalize_text

RECORD_KEYS = {"id", "url", "title", "text", "source", "fetched_at", "chars", "ja_ratio"}


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text(encoding="utf-8"))


def test_exact_target_polite_and_robust(site, write_config, run_crawl, shards, tmp_path) -> None:
    config = write_config(target=40)
    status_file = tmp_path / "status.json"
    done = run_crawl(config, "--seeds", site.url, "--status-file", str(status_file))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    records = shards(out)
    assert len(records) == 40
    assert len({r["id"] for r in records}) == 40
    assert all(set(r) == RECORD_KEYS and r["source"] == "web" for r in records)
    assert all(r["chars"] == len(r["text"]) and r["ja_ratio"] > 0.5 for r in records)
    # robots.txt Disallow: /private/ obeyed; off-domain links never fetched
    assert "/robots.txt" in site.requested
    assert not [p for p in site.requested if p.startswith("/private/")]
    assert not [r for r in records if "off-domain" in r["url"] or "/private/" in r["url"]]
    stats = _stats(out)
    assert stats["finish_reason"] == "target_reached" and stats["kept"] == 40
    assert stats["refused_links"]["off_domain"] >= 1
    status = json.loads(status_file.read_text(encoding="utf-8"))
    assert status["done"] == 40 and status["total"] == 40 and status["unit"] == "samples"
    assert {"kept", "pages_fetched", "pages_per_s", "queue_size", "dropped"} <= set(status["metrics"])
    marker = json.loads((out / "shards" / "_COMPLETE").read_text(encoding="utf-8"))
    assert marker["kept"] == 40 and marker["finish_reason"] == "target_reached"
    assert (out / "crawl_config.resolved.yaml").is_file()
    assert "kept 40/40" in done.stdout


def test_whole_site_encodings_and_traps(site, write_config, run_crawl, shards, tmp_path) -> None:
    done = run_crawl(write_config(target=100_000), "--seeds", site.url)
    assert done.returncode == 0, done.stderr
    records = shards(tmp_path / "out")
    pages = site.manifest.by_path()
    seen_encodings = set()
    for record in records:
        page = pages[urlsplit(record["url"]).path]
        assert "\ufffd" not in record["text"]
        first_paragraph = normalize_text(page.main_text.splitlines()[0])
        assert first_paragraph in record["text"], (page.encoding, record["url"])
        seen_encodings.add(page.encoding)
    assert seen_encodings >= {"utf-8", "shift_jis", "euc-jp", "iso-2022-jp"}
    stats = _stats(tmp_path / "out")
    assert stats["finish_reason"] == "exhausted"
    assert site.requested.count("/trap/429") == 2  # backed off, retried once, then a plain 404
    # every trap was met and counted, and the crawl went on to the end
    for reason in ("http_404", "http_500", "redirect_loop", "timeout", "too_large", "content_type", "robots"):
        assert stats["dropped"].get(reason, 0) >= 1, (reason, stats["dropped"])
    assert not [p for p in site.requested if p.startswith("/private/")]
    assert stats["duplicates_exact"] >= 1 and stats["duplicates_near"] >= 1
    assert len(records) == len({r["id"] for r in records}) == stats["kept"]


def test_private_addresses_refused_unless_allowed(site, write_config, run_crawl, tmp_path) -> None:
    done = run_crawl(write_config(allow_private_networks=False), "--seeds", site.url)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "private_address" in done.stderr
    assert site.requested == []


def test_unreachable_site_is_a_failure_not_a_finish(write_config, run_crawl, tmp_path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    done = run_crawl(write_config(), "--seeds", dead)
    assert done.returncode == 1
    assert _stats(tmp_path / "out")["finish_reason"] == "nothing_fetched"
    assert not (tmp_path / "out" / "shards" / "_COMPLETE").exists()
