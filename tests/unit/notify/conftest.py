"""The webhook tests' own fixture (the webhook server and `log_lines` are shared: tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_retry_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tandem.notify.webhook.RETRY_DELAY_S", 0.05)
