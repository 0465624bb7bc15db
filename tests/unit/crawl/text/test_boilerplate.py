import json

import pytest

from tandem.crawl.text.boilerplate import RepeatedLines


def page(*lines: str) -> list[tuple[str, int]]:
    return [(line, position) for position, line in enumerate(lines)]


def test_a_line_in_the_same_place_goes_from_its_nth_page_on() -> None:
    lines = RepeatedLines(min_pages=3)
    assert lines.repeated("a", page("chrome", "one"), 2) == [False, False]
    assert lines.repeated("a", page("chrome", "two", "two"), 3) == [False, False, False]
    assert lines.repeated("a", page("chrome", "three", "two"), 3) == [True, False, False]
    assert lines.repeated("a", page("chrome"), 1) == [True]


def test_the_place_counts_from_the_top_or_from_the_bottom() -> None:
    lines = RepeatedLines(min_pages=2)
    lines.repeated("a", page("text", "more text", "footer line"), 3)
    # one more paragraph above: the footer line is as far from the bottom as before
    assert lines.repeated("a", page("new", "newer", "newest", "footer line"), 4) == [False] * 3 + [True]


def test_a_line_that_moves_between_pages_is_not_repeated() -> None:
    lines = RepeatedLines(min_pages=2)
    lines.repeated("a", page("idiom", "x", "y", "z"), 4)
    assert lines.repeated("a", page("p", "q", "idiom", "r", "s", "t", "u"), 7) == [False] * 7


def test_least_recently_seen_host_is_forgotten() -> None:
    lines = RepeatedLines(min_pages=2, max_hosts=2)
    lines.repeated("a", page("x"), 1)
    lines.repeated("b", page("x"), 1)
    lines.repeated("c", page("x"), 1)  # "a" is forgotten
    assert lines.repeated("a", page("x"), 1) == [False]
    assert lines.repeated("c", page("x"), 1) == [True]


def test_per_host_cap_forgets_single_sightings_first() -> None:
    lines = RepeatedLines(min_pages=2, max_lines_per_host=8)
    lines.repeated("a", page("keep"), 1)
    lines.repeated("a", page("keep", "n1", "n2"), 3)
    lines.repeated("a", page("n3", "n4"), 2)  # over the cap: sightings seen once are dropped from memory
    assert lines.repeated("a", page("keep", "n1"), 2) == [True, False]


def test_state_keeps_only_repeated_sightings_and_survives_json() -> None:
    lines = RepeatedLines(min_pages=2)
    lines.repeated("a", page("chrome", "once"), 2)
    lines.repeated("a", page("chrome"), 1)
    state = json.loads(json.dumps(lines.state_dict()))
    assert len(state["hosts"]["a"]) == 1  # "chrome" at the top (its place from the bottom moved)
    restored = RepeatedLines(min_pages=2)
    restored.load_state(state)
    assert restored.repeated("a", page("chrome", "new"), 2) == [True, False]


def test_an_older_state_without_places_is_learnt_again_and_an_unknown_one_refused() -> None:
    lines = RepeatedLines(min_pages=2)
    lines.load_state({"version": 1, "hosts": {"a": {"0123456789abcdef": 5}}})
    assert lines.repeated("a", page("chrome"), 1) == [False]
    with pytest.raises(ValueError, match="version"):
        lines.load_state({"version": 99})


def test_the_compiled_counting_is_the_python_counting_step_for_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same flags, counts and order of counts (the checkpoint's JSON), with the per-host cap
    reached and single sightings forgotten, on lines of every length around BLAKE2b's blocks."""
    import random

    from tandem.crawl.text import boilerplate

    if boilerplate._sightings is boilerplate._python_sightings:
        pytest.skip("no compiled counting on this platform")
    rng = random.Random(11)
    vocabulary = ["", "©", "共通の行", "x" * 128, "y" * 129, "本文" * 70, *(f"line {n}" for n in range(40))]
    pages = [(rng.choice("ab"), [rng.choice(vocabulary) for _ in range(rng.randint(0, 30))]) for _ in range(300)]

    def run() -> tuple[list[list[bool]], str]:
        lines = RepeatedLines(min_pages=2, max_lines_per_host=120, max_hosts=5)
        flags = [lines.repeated(host, page(*texts), len(texts) + 2) for host, texts in pages]
        return flags, json.dumps(lines.state_dict())

    compiled = run()
    monkeypatch.setattr(boilerplate, "_sightings", boilerplate._python_sightings)
    assert run() == compiled
    assert any(any(flags) for flags in compiled[0])
