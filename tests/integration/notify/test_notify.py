"""notify() as a whole and the desktop notifiers."""

from __future__ import annotations

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
