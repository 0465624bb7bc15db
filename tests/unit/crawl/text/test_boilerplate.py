import json

from tandem.crawl.text.boilerplate import RepeatedLines


def test_a_line_goes_from_its_nth_page_on() -> None:
    lines = RepeatedLines(min_pages=3)
    assert lines.filter("a", ["chrome", "one"]) == ["chrome", "one"]
    assert lines.filter("a", ["chrome", "two", "two"]) == ["chrome", "two", "two"]  # counted once a page
    assert lines.filter("a", ["chrome", "three", "two"]) == ["three", "two"]
    assert lines.filter("a", ["two"]) == []


def test_least_recently_seen_host_is_forgotten() -> None:
    lines = RepeatedLines(min_pages=2, max_hosts=2)
    lines.filter("a", ["x"])
    lines.filter("b", ["x"])
    lines.filter("c", ["x"])  # "a" is forgotten
    assert lines.filter("a", ["x"]) == ["x"]
    assert lines.filter("c", ["x"]) == []


def test_per_host_cap_forgets_single_sightings_first() -> None:
    lines = RepeatedLines(min_pages=2, max_lines_per_host=4)
    lines.filter("a", ["keep"])
    lines.filter("a", ["keep", "n1", "n2"])
    lines.filter("a", ["n3", "n4"])  # over the cap: lines seen once are dropped from memory
    assert lines.filter("a", ["keep", "n1"]) == ["n1"]


def test_state_keeps_only_repeated_lines_and_survives_json() -> None:
    lines = RepeatedLines(min_pages=2)
    lines.filter("a", ["chrome", "once"])
    lines.filter("a", ["chrome"])
    state = json.loads(json.dumps(lines.state_dict()))
    assert len(state["hosts"]["a"]) == 1
    restored = RepeatedLines(min_pages=2)
    restored.load_state(state)
    assert restored.filter("a", ["chrome", "new"]) == ["new"]
