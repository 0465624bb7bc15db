"""Fixtures for the crawl text-side tests: a small generated site and sample Japanese prose."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tandem.crawl.demosite import SiteManifest, generate_site
from tandem.crawl.demotext import TOPICS, ProseGenerator


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
