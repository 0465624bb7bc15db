"""scripts/demo_site.py as a real process: generate, serve, stop on SIGTERM/SIGINT with exit 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from support.paths import REPO

SCRIPT = REPO / "scripts" / "demo_site.py"


def test_generate_writes_the_site(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "generate", "--out", str(tmp_path / "s"), "--pages", "30"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "s" / "_manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["pages"]) == 30


def test_bad_page_count_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "generate", "--out", str(tmp_path), "--pages", "3"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --pages")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_generates_prints_the_url_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    root = tmp_path / "site"
    process = subprocess.Popen([sys.executable, str(SCRIPT), "serve", "--root", str(root), "--pages", "25"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("serving http://127.0.0.1:") and line.endswith("/")
        url = line.split(" ", 1)[1]
        with urllib.request.urlopen(url + "index.html", timeout=10) as response:
            assert response.status == 200
            assert "暮らしの手帖ブログ" in response.read().decode("utf-8")
        process.send_signal(signum)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("ending", ["SIGTERM", "input closed"])
def test_a_server_watching_its_input_ends_cleanly_either_way(tmp_path: Path, ending: str) -> None:
    """`invoke demo` starts the server with --until-stdin-closes and stops it at the end: by a
    signal, or by closing the pipe. Neither may end in "Fatal Python error" (a thread blocked in
    a buffered read of stdin at interpreter shutdown), which `make demo` once printed last."""
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "serve", "--root", str(tmp_path / "site"), "--pages", "25",
         "--until-stdin-closes"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().startswith("serving http://127.0.0.1:")
        if ending == "SIGTERM":
            process.send_signal(signal.SIGTERM)
        else:
            process.stdin.close()
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None and process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_regenerates_a_site_of_other_pages_and_answers_redirects(tmp_path: Path) -> None:
    root = tmp_path / "site"
    subprocess.run([sys.executable, str(SCRIPT), "generate", "--out", str(root), "--pages", "40"],
                   capture_output=True, timeout=60, check=True)
    process = subprocess.Popen([sys.executable, str(SCRIPT), "serve", "--root", str(root), "--pages", "30"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().split(" ", 1)[1]
        manifest = json.loads((root / "_manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["pages"]) == 30 == len(list(root.rglob("*.html")))
        redirects = manifest["redirects"]
        two_hops = next(old for old, location in redirects.items() if location in redirects)
        with urllib.request.urlopen(url + two_hops.lstrip("/"), timeout=10) as response:  # follows both 301s
            assert response.status == 200
            assert response.url == url.rstrip("/") + redirects[redirects[two_hops]]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
