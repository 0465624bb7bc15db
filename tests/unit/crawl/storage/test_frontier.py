import sqlite3
from pathlib import Path

from tandem.crawl.storage.frontier import DONE, FAILED, IN_FLIGHT, SQLiteFrontier


def test_add_ignores_known_urls_and_pops_oldest_first(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    assert frontier.add([("http://a/1", "a", 0), ("http://a/2", "a", 1), ("http://a/1", "a", 0)]) == 2
    assert frontier.add([("http://a/2", "a", 1), ("http://b/1", "b", 1)]) == 1
    assert frontier.host_count("a") == 2
    popped = frontier.pop(2)
    assert [e.url for e in popped] == ["http://a/1", "http://a/2"]
    assert frontier.queued_count() == 1
    assert frontier.pop(5, exclude_hosts=["b"]) == []
    assert [e.url for e in frontier.pop(5)] == ["http://b/1"]


def test_uncommitted_changes_vanish_and_in_flight_returns_to_queue(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    frontier = SQLiteFrontier(path)
    frontier.add([("http://a/1", "a", 0), ("http://a/2", "a", 0), ("http://a/3", "a", 0)])
    first, second, third = frontier.pop(3)
    frontier.finish(first.url_id, DONE, "dropped")
    frontier.finish(second.url_id, FAILED, "http_404")
    frontier.save_meta("stats", {"pages_fetched": 2})
    frontier.commit()
    frontier.add([("http://a/lost", "a", 1)])  # never committed: as if killed here
    frontier._db.close()

    reopened = SQLiteFrontier(path)
    assert not reopened.known("http://a/lost")
    assert reopened.state_counts() == {"done": 1, "failed": 1, "in_flight": 1}
    assert reopened.recover() == 1
    assert [e.url for e in reopened.pop(5)] == [third.url]
    assert reopened.load_meta("stats") == {"pages_fetched": 2}
    states = dict(reopened._db.execute("SELECT url, state FROM urls").fetchall())
    assert (states[first.url], states[second.url], states[third.url]) == (DONE, FAILED, IN_FLIGHT)
    assert reopened.claim(first.url, "a", 0) is None and reopened.claim(second.url, "a", 0) is None


def test_mark_kept_records_ids_and_marks_urls_done(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([("http://a/1", "a", 0)])
    (entry,) = frontier.pop(1)
    redirected = frontier.claim("http://a/moved", "a", 0)
    frontier.mark_kept([(entry.url_id, entry.url, "id1", 1), (redirected, "http://a/moved", "id2", 1)])
    frontier.commit()
    assert frontier.state_counts() == {"done": 2}
    rows = frontier._db.execute("SELECT doc_id, shard FROM kept ORDER BY doc_id").fetchall()
    assert rows == [("id1", 1), ("id2", 1)]


def test_a_redirect_target_is_claimed_only_when_nobody_handles_it_yet(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([("http://a/busy", "a", 0)])
    (busy,) = frontier.pop(1)
    frontier.add([("http://a/queued", "a", 0)])
    queued_id = frontier._db.execute("SELECT id FROM urls WHERE url = 'http://a/queued'").fetchone()[0]
    assert frontier.claim("http://a/queued", "a", 0) == queued_id
    assert frontier.claim("http://a/busy", "a", 0) is None  # in flight elsewhere
    frontier.finish(busy.url_id, DONE, "kept")
    assert frontier.claim("http://a/busy", "a", 0) is None  # done: never fetched twice
    assert frontier._db.execute("SELECT state FROM urls WHERE url = 'http://a/busy'").fetchone()[0] == DONE
    new_id = frontier.claim("http://a/new", "a", 1)
    assert new_id and frontier.known("http://a/new")
    assert frontier.claim("http://a/new", "a", 1) is None  # now in flight: claimed once only


def test_requeue_counts_attempts(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([("http://a/1", "a", 0)])
    (entry,) = frontier.pop(1)
    frontier.requeue(entry.url_id, entry.attempts + 1)
    (again,) = frontier.pop(1)
    assert again.attempts == 1


def test_retry_failed_requeues_only_transient_failures(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([("http://a/1", "a", 0), ("http://a/2", "a", 0)])
    first, second = frontier.pop(2)
    frontier.finish(first.url_id, FAILED, "timeout")
    frontier.finish(second.url_id, FAILED, "http_404")
    assert frontier.retry_failed(["timeout", "network"]) == 1
    (again,) = frontier.pop(5)
    assert again.url == first.url and again.attempts == 0


def test_quality_order_pops_the_best_first_and_ties_oldest_first(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([("http://a/low", "a", 1, 0.1), ("http://a/high", "a", 1, 0.9), ("http://a/mid", "a", 1, 0.5),
                  ("http://a/high2", "a", 1, 0.9), ("http://a/old", "a", 1)])
    assert [e.url for e in frontier.pop(5)] == ["http://a/high", "http://a/high2", "http://a/mid", "http://a/low",
                                                "http://a/old"]


def test_fifo_order_ignores_the_priorities(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite", order="fifo")
    frontier.add([("http://a/1", "a", 1, 0.1), ("http://a/2", "a", 1, 0.9), ("http://a/3", "a", 1, 0.5)])
    assert [e.url for e in frontier.pop(2, per_host=1)] == ["http://a/1"]
    assert [e.url for e in frontier.pop(5)] == ["http://a/2", "http://a/3"]


def test_a_pop_takes_at_most_its_share_of_one_host(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "f.sqlite")
    frontier.add([(f"http://a/{i}", "a", 1, 0.9) for i in range(10)])
    frontier.add([("http://b/1", "b", 1, 0.2), ("http://c/1", "c", 1, 0.1)])
    popped = frontier.pop(4, per_host=2)
    assert [e.url for e in popped] == ["http://a/0", "http://a/1", "http://b/1", "http://c/1"]
    assert frontier.queued_count() == 8  # the rest of a stays queued, not in flight


def test_priorities_survive_a_reopen_so_a_resumed_crawl_keeps_its_order(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    frontier = SQLiteFrontier(path)
    frontier.add([("http://a/1", "a", 1, 0.2), ("http://a/2", "a", 1, 0.7), ("http://a/3", "a", 1, 0.4)])
    (best,) = frontier.pop(1)
    frontier.commit()
    frontier._db.close()  # as if killed: the popped URL is in flight
    reopened = SQLiteFrontier(path)
    assert reopened.recover() == 1
    popped = reopened.pop(3)
    assert [(e.url, e.priority) for e in popped] == [("http://a/2", 0.7), ("http://a/3", 0.4), ("http://a/1", 0.2)]
    assert popped[0].url == best.url


def test_a_frontier_written_before_priorities_opens_and_keeps_its_queue_in_order(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, host TEXT NOT NULL,
                           depth INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                           reason TEXT);
        CREATE INDEX urls_queued ON urls(id) WHERE state = 0;
        CREATE TABLE kept (doc_id TEXT PRIMARY KEY, url TEXT NOT NULL, shard INTEGER NOT NULL);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO urls (url, host, depth, state) VALUES ('http://a/1', 'a', 0, 2), ('http://a/2', 'a', 1, 0),
                                                          ('http://a/3', 'a', 1, 0);
    """)
    old.commit()
    old.close()
    frontier = SQLiteFrontier(path)
    assert frontier.known("http://a/1") and frontier.queued_count() == 2
    frontier.add([("http://a/4", "a", 2, 0.5)])
    assert [(e.url, e.priority) for e in frontier.pop(5)] == [("http://a/4", 0.5), ("http://a/2", 0.0),
                                                              ("http://a/3", 0.0)]
    plan = frontier._db.execute("EXPLAIN QUERY PLAN SELECT id FROM urls WHERE state = 0 "
                                "ORDER BY priority DESC, id LIMIT 1").fetchall()
    assert "urls_queued_best" in str(plan)


def test_outcomes_list_every_judged_page_and_survive_a_reopen(tmp_path: Path) -> None:
    """What the quality scheduler learns of site sections is recounted from these on resume."""
    path = tmp_path / "f.sqlite"
    frontier = SQLiteFrontier(path)
    frontier.add([(f"http://a/{i}", "a", 1) for i in range(6)])
    kept, dropped, missing, redirected, refused, flying = frontier.pop(6)
    frontier.mark_kept([(kept.url_id, kept.url, "id1", 1)])
    frontier.finish(dropped.url_id, DONE, "too_short")
    frontier.finish(missing.url_id, FAILED, "http_404")
    frontier.finish(redirected.url_id, DONE, "redirected")
    frontier.finish(refused.url_id, FAILED, "robots")
    frontier.commit()
    frontier._db.close()  # as if killed: `flying` was in flight, its page not judged yet

    reopened = SQLiteFrontier(path)
    assert sorted(reopened.outcomes(["redirected", "robots"])) == [
        (kept.url, True), (dropped.url, False), (missing.url, False)]
