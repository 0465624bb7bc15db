"""`crawl.py --check`, `--set`, and what a crawl that can reach nothing says in its log."""

from __future__ import annotations

import re
import socket

import yaml

TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING|ERROR) ")


def unreachable_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def test_check_passes_without_fetching_or_writing_anything(tmp_path, write_config, run_crawl):
    config = write_config(seeds=["http://127.0.0.1:9/"], target=25)
    result = run_crawl(config, "--check", "--workers", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"crawl check passed: a web crawl from 1 seed(s) to 25 samples with 3 "
                                      f"worker(s) into {tmp_path / 'out'}")
    assert not (tmp_path / "out").exists()


def test_check_names_the_flag_or_the_file_and_key(tmp_path, write_config, run_crawl):
    config = write_config(seeds=["http://example.jp/"], allow_private_networks=False)
    cases = [
        (["--workers", "0"], "error: --workers: must be at least 1"),
        (["--set", "politeness.min_delay_s=-1"], "error: --set politeness.min_delay_s: delays must be 0 or more"),
        (["--set", "scope.max_dept=3"], "error: --set scope.max_dept: unknown key 'scope.max_dept' (did you mean "
                                        "'scope.max_depth'?"),
        (["--seeds", "http://127.0.0.1:8000/"], "error: --seeds: every seed is out of scope (private_address;"),
        (["--no-web-crawl"], f"error: {config}: sources: --no-web-crawl needs at least one folder"),
    ]
    for args, expected in cases:
        result = run_crawl(config, "--check", *args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected), (args, result.stderr)


def test_the_flags_win_over_set_and_set_over_the_file(tmp_path, write_config, run_crawl):
    config = write_config(seeds=["http://127.0.0.1:9/"], target=25)
    result = run_crawl(config, "--check", "--set", "target=40", "--set", "workers=2")
    assert "to 40 samples with 2 worker(s)" in result.stdout
    result = run_crawl(config, "--check", "--set", "target=40", "--target", "12")
    assert "to 12 samples" in result.stdout


def test_a_crawl_that_reaches_nothing_fails_fast_saying_why_in_timestamped_lines(write_config, run_crawl):
    config = write_config(seeds=[unreachable_url()])
    result = run_crawl(config, timeout=60)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines and all(TIMESTAMPED.match(line) for line in lines), lines
    assert " ERROR failed: no page could be fetched" in lines[-1]
    assert "[crawl]" not in result.stdout  # `invoke logs` adds the process's name itself
    assert yaml.safe_load((config.parent / "out" / "stats.json").read_text())["finish_reason"] == "nothing_fetched"
