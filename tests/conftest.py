"""Fixtures shared by every test folder: a generated Japanese site, Japanese prose that passes
every filter, run records with their files, fake helper programs and a webhook server, and the
list of processes a test started (killed by PID at its end)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.fakes import FakeBin, Webhook
from support.processes import kill_all
from support.records import RUN_ID, T0, RunBuilder

from tandem.demosite.manifest import SiteManifest
from tandem.demosite.prose import TOPICS, ProseGenerator
from tandem.demosite.site import generate_site
from tandem.notify import sound

# Folders whose tests take longest (real trainers, crawls, fault runs): handed out first, so that
# under `make test`'s two workers no long test starts at the end while the other worker idles.
LONGEST_FIRST = ("integration/train", "faults", "integration/crawl", "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        slow = item.get_closest_marker("slow") is not None
        for position, folder in enumerate(LONGEST_FIRST):
            if f"/tests/{folder}/" in path:
                return position * 2 + (0 if slow else 1)
        return len(LONGEST_FIRST) * 2 + (0 if slow else 1)

    items.sort(key=rank)  # stable: within a rank, the collection order


@pytest.fixture(scope="session")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SiteManifest]:
    root = tmp_path_factory.mktemp("site")
    return root, generate_site(root, 120, seed=3)


@pytest.fixture
def article_text() -> str:
    """An ordinary ~700-character article that passes every quality filter."""
    article = ProseGenerator(random.Random(11)).article(next(iter(TOPICS)), 5, 5)
    return "\n".join(article.paragraphs)


@pytest.fixture
def other_article_text() -> str:
    article = ProseGenerator(random.Random(99)).article(list(TOPICS)[3], 5, 5)
    return "\n".join(article.paragraphs)


@pytest.fixture
def reap() -> Iterator[list[int]]:
    """Append the PID of every process the test starts; whatever is still alive at the end is
    killed by PID."""
    started: list[int] = []
    yield started
    kill_all(started)


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBin:
    fake = FakeBin(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(fake.folder))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "TANDEM_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    original = sound.chime_path
    monkeypatch.setattr(sound, "chime_path", lambda: original(tmp_path / "cache"))
    return fake


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.close()


@pytest.fixture
def run(tmp_path: Path) -> RunBuilder:
    return RunBuilder(tmp_path)


@pytest.fixture
def new_run(tmp_path: Path) -> Callable[..., RunBuilder]:
    return lambda run_id=RUN_ID, started=T0: RunBuilder(tmp_path, run_id, started)


@pytest.fixture
def log_lines() -> tuple[list[str], Callable[[str], None]]:
    """(lines, log): a `log` callable as the kit's parts take one, and what it was given."""
    lines: list[str] = []
    return lines, lines.append
