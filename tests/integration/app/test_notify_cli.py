"""`tandem-notify` (scripts/notify.py) as a user runs it: bell without a player, the sound given, the
latest run announced, one line on bad usage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO


def script(cwd: Path, path_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(path_dir)}
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, str(REPO / "scripts" / "notify.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_script_without_a_player_rings_the_bell_and_exits_0(fake_bin, tmp_path) -> None:
    done = script(tmp_path, fake_bin.folder, "--message", "hello")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "sound: bell"
    assert "no sound player found" in done.stderr and "terminal bell" in done.stderr


def test_script_plays_the_sound_given_and_announces_the_latest_run(fake_bin, tmp_path, webhook) -> None:
    fake_bin.add("aplay")
    wav = tmp_path / "owattaze.wav"
    wav.write_bytes(b"RIFF")
    runs = tmp_path / "logs" / "runs"
    runs.mkdir(parents=True)
    (runs / "20261128_140000.json").write_text(json.dumps({
        "run_id": "20261128_140000", "status": "succeeded", "started_at": "2026-11-28T14:00:00+00:00",
        "ended_at": "2026-11-28T14:00:30+00:00", "processes": {}, "report": "_docs/r.md"}))
    config = tmp_path / "parallel.yaml"
    config.write_text(f"processes: {{train: {{command: [x]}}}}\nnotify: {{webhook: '{webhook.url}', desktop: false}}\n")

    done = script(tmp_path, fake_bin.folder, "--sound", str(wav), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert fake_bin.calls("aplay") == [f"-q {wav}"]
    assert done.stdout.splitlines()[0] == "sound: played (aplay)"
    assert webhook.received[0]["json"]["text"] == \
        "tandem\ntandem run 20261128_140000: succeeded in 30s\nReport: _docs/r.md"


@pytest.mark.parametrize("args, why", [(("--config", "missing.yaml"), "config file not found"),
                                       (("--bogus",), "unrecognized arguments")])
def test_script_bad_usage_is_one_line_and_exit_2(fake_bin, tmp_path, args, why) -> None:
    done = script(tmp_path, fake_bin.folder, *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and why in done.stderr
