"""The webhook against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

from tandem.notify import notify
from tandem.notify.notify_config import NotifySettings
from tandem.notify.webhook import post_webhook, redact

SUMMARY = "tandem run 20261128_140000: failed in 3m12s — train succeeded, crawl failed (exit 3)"
REPORT = Path("_docs/2026-11-28_parallel_train_crawl.md")


def settings(**overrides) -> NotifySettings:
    return NotifySettings(play_sound=False, desktop=False, **overrides)


def test_payload_carries_the_summary_and_the_report_for_slack_and_discord(webhook, log_lines) -> None:
    lines, log = log_lines
    result = notify(settings(webhook=webhook.url, webhook_timeout_s=5), "tandem", SUMMARY, REPORT, log)
    assert result["webhook"] == {"status": "sent", "url": f"http://127.0.0.1:{webhook.server.server_address[1]}/…",
                                 "http_status": 200, "attempts": 1}
    (request,) = webhook.received
    expected = f"tandem\n{SUMMARY}\nReport: {REPORT}"
    assert request["json"] == {"text": expected, "content": expected}
    assert request["path"] == "/hooks/T000/SECRET-TOKEN"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert lines == []


def test_the_url_can_come_from_the_environment(webhook, monkeypatch) -> None:
    monkeypatch.setenv("MY_HOOK", webhook.url)
    result = notify(settings(webhook_env="MY_HOOK"), "tandem", SUMMARY, None, lambda line: None)
    assert result["webhook"]["status"] == "sent"
    assert webhook.received[0]["json"]["text"] == f"tandem\n{SUMMARY}"


def test_a_500_is_retried_once_then_logged_not_raised(webhook, log_lines, no_retry_delay) -> None:
    webhook.status = 500
    lines, log = log_lines
    result = notify(settings(webhook=webhook.url), "tandem", SUMMARY, REPORT, log)
    assert result["webhook"]["status"] == "failed" and result["webhook"]["attempts"] == 2
    assert len(webhook.received) == 2
    assert "HTTP 500" in lines[0] and "retrying once" in lines[0] and "giving up" in lines[1]
    assert all("SECRET-TOKEN" not in line for line in lines)


def test_a_client_error_is_not_retried(webhook, log_lines) -> None:
    webhook.status = 404
    result = post_webhook(webhook.url, {"text": "x"}, 5, log_lines[1])
    assert result["status"] == "failed" and result["attempts"] == 1 and len(webhook.received) == 1


def test_a_hanging_server_times_out(webhook, log_lines, no_retry_delay) -> None:
    webhook.hang_s = 5
    started = time.monotonic()
    result = notify(settings(webhook=webhook.url, webhook_timeout_s=0.3), "tandem", SUMMARY, REPORT,
                    log_lines[1])
    took = time.monotonic() - started
    assert result["webhook"]["status"] == "failed" and result["webhook"]["attempts"] == 2
    assert "timed out" in result["webhook"]["detail"]
    assert took < 4, f"two 0.3 s attempts took {took:.1f}s"


def test_nothing_listening_is_a_logged_failure(log_lines, no_retry_delay) -> None:
    result = post_webhook("http://127.0.0.1:9/hook", {"text": "x"}, 2, log_lines[1])
    assert result["status"] == "failed" and "refused" in result["detail"].lower()


def test_only_http_urls_are_posted_and_secrets_stay_out_of_logs(log_lines) -> None:
    result = post_webhook("file:///etc/passwd", {"text": "x"}, 2, log_lines[1])
    assert result == {"status": "failed", "url": "file://?/…", "detail": "not an http(s) URL", "attempts": 0}
    assert redact("https://hooks.slack.com/services/T0/B0/XYZ") == "https://hooks.slack.com/…"


def test_a_long_summary_is_cut_to_what_discord_accepts(webhook) -> None:
    notify(settings(webhook=webhook.url), "tandem", "x" * 5000, REPORT, lambda line: None)
    assert len(webhook.received[0]["json"]["content"]) <= 2000
