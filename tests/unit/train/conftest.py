"""Fixtures for the trainer's unit tests: shard files on disk and a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_shard() -> Callable[..., Path]:
    """write_shard(folder, index, texts) writes shard-NNNNNN.jsonl the way the crawl does
    (a temp name, then a rename); a text of None writes a malformed line."""

    def write(folder: Path, index: int, texts: list[str | None]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"text": t}) if t is not None else "{not json" for t in texts]
        temp = folder / f".shard-{index:06d}.jsonl.tmp"
        temp.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        final = folder / f"shard-{index:06d}.jsonl"
        temp.rename(final)
        return final

    return write


class FakeClock:
    """time.monotonic and time.sleep in one: sleeping advances the clock and runs hooks."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: list[Callable[[float], None]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for hook in list(self.on_sleep):
            hook(self.now)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
