"""Argv templates of parallel.yaml: flags not given vanish, so the child's config decides."""

from __future__ import annotations

import pytest

from tandem.supervisor.argv_template import TemplateError, expand

CRAWL = ["python", "crawl.py", "--config", "{crawl_config}", "--target", "{crawl_target}",
         "--workers={crawl_workers}", "{no_web_crawl}", "{crawl_set}"]


def test_given_values_fill_their_items():
    argv = expand(CRAWL, {"crawl_config": "c.yaml", "crawl_target": "50", "crawl_workers": "2"},
                  {"no_web_crawl": ["--no-web-crawl"], "crawl_set": ["--set", "a=1", "--set", "b=2"]})
    assert argv == ["python", "crawl.py", "--config", "c.yaml", "--target", "50", "--workers=2",
                    "--no-web-crawl", "--set", "a=1", "--set", "b=2"]


def test_a_value_not_given_takes_its_item_and_the_option_before_it_along():
    argv = expand(CRAWL, {"crawl_config": "c.yaml", "crawl_target": None, "crawl_workers": None},
                  {"no_web_crawl": [], "crawl_set": []})
    assert argv == ["python", "crawl.py", "--config", "c.yaml"]


def test_a_positional_placeholder_not_given_leaves_the_item_before_it_alone():
    assert expand(["prog", "input.txt", "{crawl_target}"], {"crawl_target": None}, {}) == ["prog", "input.txt"]


def test_an_unknown_placeholder_is_named_with_its_index():
    with pytest.raises(TemplateError, match=r"^\[1\]: unknown placeholder \{nope\}"):
        expand(["prog", "{nope}"], {"python": "py"}, {})
