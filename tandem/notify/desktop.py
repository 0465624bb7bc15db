"""A desktop notification where the platform has one: notify-send, osascript, a Windows toast.

Title and message travel as arguments or environment variables, never spliced into a script,
so a run summary with quotes in it cannot break (or inject into) the command.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from typing import Any

from tandem.notify.commands import run_bounded

DESKTOP_TIMEOUT_S = 10.0

_APPLESCRIPT = ("on run argv", "display notification (item 2 of argv) with title (item 1 of argv)", "end run")
# PowerShell's own AppUserModelID: toasts from an unregistered app id are silently dropped.
_TOAST_APP_ID = r"{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe"
_TOAST_SCRIPT = (
    "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, "
    "ContentType = WindowsRuntime] > $null; "
    "$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent("
    "[Windows.UI.Notifications.ToastTemplateType]::ToastText02); "
    "$texts = $xml.GetElementsByTagName('text'); "
    "$texts.Item(0).AppendChild($xml.CreateTextNode($env:TANDEM_TOAST_TITLE)) > $null; "
    "$texts.Item(1).AppendChild($xml.CreateTextNode($env:TANDEM_TOAST_MESSAGE)) > $null; "
    "$toast = [Windows.UI.Notifications.ToastNotification]::new($xml); "
    "[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($env:TANDEM_TOAST_APP).Show($toast)"
)


def desktop_command(title: str, message: str, platform: str = sys.platform,
                    environ: Mapping[str, str] | None = None) -> tuple[list[str], dict[str, str] | None] | None:
    """(argv, env or None) for this platform's notifier, or None where there is none to use."""
    env = os.environ if environ is None else environ
    if platform == "darwin":
        program = shutil.which("osascript")
        if not program:
            return None
        script = [arg for line in _APPLESCRIPT for arg in ("-e", line)]
        return [program, *script, title, message], None
    if platform.startswith("win"):
        program = shutil.which("powershell") or shutil.which("pwsh")
        if not program:
            return None
        toast_env = {**env, "TANDEM_TOAST_TITLE": title, "TANDEM_TOAST_MESSAGE": message,
                     "TANDEM_TOAST_APP": _TOAST_APP_ID}
        return [program, "-NoProfile", "-NonInteractive", "-Command", _TOAST_SCRIPT], toast_env
    program = shutil.which("notify-send")
    # Without a display or session bus notify-send can only fail (headless servers, CI).
    if not program or not any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")):
        return None
    return [program, "--app-name=tandem", title, message], None


def show_desktop(title: str, message: str, log: Callable[[str], None]) -> dict[str, Any]:
    command = desktop_command(title, message)
    if command is None:
        return {"status": "unavailable", "detail": "no desktop notifier here"}
    argv, env = command
    result = run_bounded(argv, DESKTOP_TIMEOUT_S, env=env)
    name = os.path.basename(argv[0])
    if result.status == "ok":
        return {"status": "shown", "notifier": name}
    log(f"notify: desktop notification via {name} failed ({result.detail or result.status})")
    return {"status": result.status, "notifier": name, "detail": result.detail}
