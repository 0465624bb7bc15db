"""The dashboard in a real browser, on a live detached run: the numbers move by themselves,
Restart restarts and the count goes up, nothing works without the token, and nothing listens
once the run is over."""

from __future__ import annotations

import os
import re
import socket
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.processes import alive, wait_for


def _text(driver, css: str) -> str:
    """The element's text now (the page redraws every second: read it in one step, in the page)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)


@pytest.mark.slow
def test_live_page_moves_restarts_a_process_and_goes_away_with_the_run(live_run, browser, reap):
    live_run.configure()
    started = live_run.invoke("parallel", "--config", "parallel.yaml", "--detach")
    assert started.returncode == 0, started.stderr
    supervisor = int(re.search(r"supervisor pid (\d+)", started.stdout)[1])
    reap.append(supervisor)
    info_file = live_run.root / "logs" / "dashboard.json"
    wait_for(info_file.exists, timeout=30, what="the dashboard to start")
    info = live_run.dashboard()
    reap.append(info["pid"])
    assert stat.S_IMODE(info_file.stat().st_mode) == 0o600
    token, url = info["token"], info["url"]
    assert url.startswith("http://127.0.0.1:")
    assert f"dashboard: {url} (the link with its token" in started.stdout  # not a terminal: no token printed

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "api/state", timeout=10)
    assert refused.value.code == 401

    browser.get(f"{url}#token={token}")
    wait_for(lambda: _text(browser, "#train-step").startswith(tuple("0123456789")), timeout=30,
             what="the training's step on the page")
    assert token not in browser.current_url  # the fragment is gone from the address bar
    first_step = _text(browser, "#train-step")
    wait_for(lambda: _text(browser, "#train-step") != first_step, timeout=20, what="the step to move by itself")
    # The trainer says "at step N" and has written no checkpoint: the box says so, not the status line.
    assert _text(browser, "#checkpoints") == "none yet"
    wait_for(lambda: _text(browser, "#crawl-kept") not in ("", "– / –"), timeout=20, what="the crawl's figures")
    wait_for(lambda: browser.find_elements("css selector", "#loss-chart canvas"), timeout=20, what="the loss curve")
    wait_for(lambda: _text(browser, "#train-eval-loss").startswith(tuple("0123456789")), timeout=30,
             what="the held-out loss on the page")
    wait_for(lambda: "eval loss" in _text(browser, "#loss-chart"), timeout=20,
             what="the held-out loss curve beside the training loss")
    assert "crawl log" in _text(browser, "#logs")

    row = '[data-process="crawl"]'
    assert _text(browser, f'{row} [data-field="restarts"]') == "0"
    browser.find_element("css selector", f'{row} button[data-action="restart"]').click()
    browser.switch_to.alert.accept()
    wait_for(lambda: _text(browser, f'{row} [data-field="restarts"]') == "1", timeout=30,
             what="the restart to be counted on the page")
    assert "restart crawl (asked by the dashboard)" in _text(browser, "#messages")
    crawl = live_run.record()["processes"]["crawl"]
    assert crawl["restarts"] == 1 and crawl["attempts"][0]["reason"] == "stopped for a restart (the dashboard)"
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not problems, problems

    stopped = live_run.invoke("stop")
    assert stopped.returncode == 0, stopped.stderr
    wait_for(lambda: not alive(supervisor), timeout=30, what="the supervisor to end")
    wait_for(lambda: not alive(info["pid"]), timeout=15, what="the dashboard to end with the run")
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert not info_file.exists()
    leaked = [str(p) for p in Path(live_run.root).rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
    assert not leaked, f"the token was written to {leaked}"
    assert os.listdir(live_run.root / "logs" / "runs" / live_run.record()["run_id"] / "control") == []
