"""Fixtures shared by every test folder: a generated Japanese site, Japanese prose that passes
every filter, and the list of processes a test started (killed by PID at its end)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.processes import kill_all

from tandem.demosite.manifest import SiteManifest
from tandem.demosite.prose import TOPICS, ProseGenerator
from tandem.demosite.site import generate_site


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
