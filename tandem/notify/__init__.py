"""The end-of-run notification: a sound, a desktop notification and a webhook, each optional.

`notify` is called by the supervisor after the report is written and by `scripts/notify.py`.
Whatever a channel does — no audio device, no display, a webhook that hangs or answers 500 —
it is logged and returned, never raised: a notification must not change a run's exit status.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tandem.notify.desktop import show_desktop
from tandem.notify.notify_config import NotifySettings
from tandem.notify.sound import play_sound
from tandem.notify.webhook import post_webhook, webhook_payload

__all__ = ["notify"]


def notify(settings: NotifySettings, title: str, message: str, report_path: Path | None,
           log: Callable[[str], None]) -> dict[str, Any]:
    """Notify through every enabled channel; returns {"sound": {...}, "desktop": {...},
    "webhook": {...}} with each channel's "status"."""
    if not settings.enabled:
        return {channel: {"status": "disabled"} for channel in ("sound", "desktop", "webhook")}
    results: dict[str, Any] = {}
    results["sound"] = _guard("sound", log, lambda: play_sound(settings.sound, settings.player_timeout_s, log)) \
        if settings.play_sound else {"status": "disabled"}
    results["desktop"] = _guard("desktop", log, lambda: show_desktop(title, message, log)) \
        if settings.desktop else {"status": "disabled"}
    url = settings.webhook or os.environ.get(settings.webhook_env) or None
    if url:
        payload = webhook_payload(title, message, str(report_path) if report_path else None)
        results["webhook"] = _guard("webhook", log,
                                    lambda: post_webhook(url, payload, settings.webhook_timeout_s, log))
    else:
        results["webhook"] = {"status": "not configured"}
    return results


def _guard(channel: str, log: Callable[[str], None], send: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one channel; an unexpected error is logged and reported, never raised."""
    try:
        return send()
    except Exception as exc:
        log(f"notify: {channel} failed unexpectedly ({exc!r})")
        return {"status": "error", "detail": repr(exc)}
