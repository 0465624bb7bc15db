"""A Slack/Discord-compatible webhook: one JSON POST with a timeout and one retry."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

RETRY_DELAY_S = 1.0
# Discord rejects `content` longer than 2000 characters.
MAX_TEXT = 1900


def webhook_payload(title: str, message: str, report: str | None) -> dict[str, str]:
    """Slack reads `text`, Discord reads `content`; each ignores the other's key."""
    text = f"{title}\n{message}" if message else title
    if report:
        text += f"\nReport: {report}"
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return {"text": text, "content": text}


def redact(url: str) -> str:
    """The URL without its path and query: webhook URLs carry their secret token there."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}/…"


def post_webhook(url: str, payload: dict[str, str], timeout_s: float,
                 log: Callable[[str], None]) -> dict[str, Any]:
    where = redact(url)
    if urlsplit(url).scheme not in ("http", "https"):
        log(f"notify: webhook URL must be http(s), got {where}; not sent")
        return {"status": "failed", "url": where, "detail": "not an http(s) URL", "attempts": 0}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    problem = ""
    for attempt in (1, 2):
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "tandem-notify"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return {"status": "sent", "url": where, "http_status": response.status, "attempts": attempt}
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            retry = exc.code >= 500 or exc.code == 429
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"{type(reason).__name__}: {reason}"
            retry = True
        if attempt == 1 and retry:
            log(f"notify: webhook {where} failed ({problem}); retrying once")
            time.sleep(RETRY_DELAY_S)
            continue
        break
    log(f"notify: webhook {where} failed ({problem}); giving up")
    return {"status": "failed", "url": where, "detail": problem, "attempts": attempt}
