"""notify() as a whole, the desktop notifiers, and scripts/notify.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO

from tandem.notify import notify
from tandem.notify.desktop import desktop_command
from tandem.notify.notify_config import NotifySettings

TRICKY = 'run "x" ended; $(rm -rf ~) `id` \' & | <b>'


def test_disabled_notify_touches_nothing(fake_bin) -> None:
    fake_bin.add("paplay")
    result = notify(NotifySettings(enabled=False, webhook="http://127.0.0.1:9/"), "t", "m", None,
                    lambda line: None)
    assert result == {"sound": {"status": "disabled"}, "desktop": {"status": "disabled"},
                      "webhook": {"status": "disabled"}}
    assert fake_bin.calls("paplay") == []


def test_a_channel_that_raises_is_logged_and_the_others_still_run(fake_bin, webhook, monkeypatch) -> None:
    def broken(*args: object) -> dict:
        raise RuntimeError("sound stack exploded")

    monkeypatch.setattr("tandem.notify.play_sound", broken)
    lines: list[str] = []
    result = notify(NotifySettings(desktop=False, webhook=webhook.url), "t", "m", None, lines.append)
    assert result["sound"]["status"] == "error" and "exploded" in lines[0]
    assert result["webhook"]["status"] == "sent"


def test_notify_send_gets_title_and_message_as_plain_arguments(fake_bin, monkeypatch) -> None:
    fake_bin.add("notify-send")
    assert desktop_command("t", "m") is None  # no display, no session bus: nothing to show it on
    monkeypatch.setenv("DISPLAY", ":0")
    result = notify(NotifySettings(play_sound=False), "tandem", TRICKY, None, lambda line: None)
    assert result["desktop"] == {"status": "shown", "notifier": "notify-send"}
    assert fake_bin.calls("notify-send") == [f"--app-name=tandem tandem {TRICKY}"]


def test_a_failing_desktop_notifier_is_logged(fake_bin, monkeypatch) -> None:
    fake_bin.add("notify-send", exit_code=1, stderr="Cannot autolaunch D-Bus")
    monkeypatch.setenv("DISPLAY", ":0")
    lines: list[str] = []
    result = notify(NotifySettings(play_sound=False), "tandem", "m", None, lines.append)
    assert result["desktop"]["status"] == "failed"
    assert lines == ["notify: desktop notification via notify-send failed (Cannot autolaunch D-Bus)"]


def test_macos_and_windows_commands_never_splice_the_text_into_a_script(fake_bin) -> None:
    for name in ("osascript", "powershell"):
        fake_bin.add(name)
    mac = desktop_command("tandem", TRICKY, platform="darwin")
    assert mac is not None
    argv, env = mac
    assert argv[-2:] == ["tandem", TRICKY] and env is None
    assert all(TRICKY not in arg for arg in argv[:-1])
    windows = desktop_command("tandem", TRICKY, platform="win32", environ={"PATH": "x"})
    assert windows is not None
    argv, env = windows
    assert all(TRICKY not in arg for arg in argv)
    assert env is not None and env["TANDEM_TOAST_MESSAGE"] == TRICKY and env["PATH"] == "x"


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
