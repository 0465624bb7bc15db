"""The crawl frontier: every URL the crawl knows, its state, and the crawl's saved counters.

`Frontier` is the small interface the engine uses, so a shared backend (Redis, Postgres) can
replace the embedded SQLite one when a crawl outgrows one machine. `SQLiteFrontier` keeps the
whole state in one WAL-mode file. Changes accumulate in an open transaction and reach the disk
only at `commit()`; the engine commits every second and right after each shard is renamed into
place, so after kill -9 the file holds the state as of a moment when shards and frontier agreed.
URLs `in_flight` at that moment (fetched, but their record not yet in a shard) return to the
queue on `recover()`: that is what Scrapy's JOBDIR misses after SIGKILL.

Each URL has a priority (link_priority.py: its linking page's score, decayed per hop). The
"quality" order pops the best queued URLs first, through a partial index on (priority, id), so
the next-URL query stays a walk down one B-tree at any size (bench/bench_frontier.py --rows);
"fifo" pops them as found. Priorities live in the file, so a resumed crawl keeps its order. A
file written before priorities existed gets the column on opening (every old URL at 0: the
queue it had goes on in the order it had).
"""

from __future__ import annotations

import errno
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tandem.fileio.disk_errors import full_disk_path

QUEUED, IN_FLIGHT, DONE, FAILED = 0, 1, 2, 3
ORDERS = ("quality", "fifo")
STATE_NAMES = {QUEUED: "queued", IN_FLIGHT: "in_flight", DONE: "done", FAILED: "failed"}


class FrontierDamaged(Exception):
    """The frontier file cannot be read (garbage, truncated, not a database)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: the crawl's frontier is damaged ({reason})")
        self.path = path


@dataclass(frozen=True)
class FrontierEntry:
    url_id: int
    url: str
    host: str
    depth: int
    attempts: int
    priority: float = 0.0


NewURL = tuple[str, str, int] | tuple[str, str, int, float]  # (url, host, depth[, priority])


class Frontier(Protocol):
    def add(self, entries: Iterable[NewURL]) -> int:
        """Queue new (url, host, depth[, priority]) entries; URLs already known are ignored.
        Returns how many."""
    def known(self, url: str) -> bool: ...
    def host_count(self, host: str) -> int:
        """How many URLs of `host` the frontier holds (for the per-host page limit)."""
    def pop(self, limit: int, exclude_hosts: Sequence[str] = (), per_host: int | None = None) -> list[FrontierEntry]:
        """Up to `limit` queued entries (at most `per_host` of one host), in the frontier's order
        (best first, or oldest first), now marked in flight."""
    def claim(self, url: str, host: str, depth: int, priority: float = 0.0) -> int | None:
        """Mark a URL reached outside `pop` (a redirect's target, a local document) as in flight
        and return its id; None when it is already in flight or finished: its page is (or was)
        handled under its own entry, and must not be handled twice."""
    def requeue(self, url_id: int, attempts: int) -> None: ...
    def finish(self, url_id: int, state: int, reason: str) -> None: ...
    def mark_kept(self, kept: Sequence[tuple[int | None, str, str, int]]) -> None:
        """(url_id or None, url, doc id, shard number) for records now committed in a shard."""
    def mark_done_urls(self, urls: Iterable[str]) -> int: ...
    def recover(self) -> int:
        """In-flight URLs back to the queue (after a crash or a stop); returns how many."""
    def retry_failed(self, reasons: Sequence[str]) -> int:
        """Failed URLs with one of `reasons` back to the queue, attempts reset; returns how many."""
    def queued_count(self) -> int: ...
    def outcomes(self, unrequested: Sequence[str]) -> Iterator[tuple[str, bool]]:
        """(url, kept) of every finished URL but those finished with a reason in `unrequested`
        (no page was judged: a redirect's source, a robots refusal)."""
    def state_counts(self) -> dict[str, int]: ...
    def load_meta(self, key: str) -> Any: ...
    def save_meta(self, key: str, value: Any) -> None: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    depth INTEGER NOT NULL,
    state INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS urls_queued ON urls(id) WHERE state = 0;
CREATE INDEX IF NOT EXISTS urls_in_flight ON urls(id) WHERE state = 1;
CREATE TABLE IF NOT EXISTS kept (
    doc_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    shard INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# After the migration: a file from before priorities has no column for this index yet.
_PRIORITY_INDEX = "CREATE INDEX IF NOT EXISTS urls_queued_best ON urls(priority DESC, id) WHERE state = 0"
# The fewest rows a per-host-capped pop reads, however small its limit: skipping a full host's
# rows costs a step each, not a query.
_MIN_SCAN = 256


class SQLiteFrontier:
    """The embedded frontier. The seen-set and per-host counts are mirrored in memory, because
    a page brings ~70 links and most are already known: they are filtered without a query."""

    def __init__(self, path: Path, order: str = "quality") -> None:
        if order not in ORDERS:
            raise ValueError(f"order: must be one of {', '.join(ORDERS)}, got {order!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._order = "priority DESC, id" if order == "quality" else "id"
        self._seen: set[str] = set()
        self._hosts: Counter[str] = Counter()
        self._db = sqlite3.connect(path, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit may be lost on power failure but never corrupts the
            # file, and shards are the record of truth for kept samples anyway.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(urls)")}
            if "priority" not in columns:  # written before priorities: migrated in place
                self._db.execute("ALTER TABLE urls ADD COLUMN priority REAL NOT NULL DEFAULT 0")
            self._db.execute(_PRIORITY_INDEX)
            # Reading every URL touches every page of the table: damage shows here, not mid-run.
            for url, host in self._db.execute("SELECT url, host FROM urls"):
                self._seen.add(url)
                self._hosts[host] += 1
            self._db.execute("SELECT COUNT(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if full_disk_path(exc, path.parent) is not None:  # not damaged: no room to open it
                raise OSError(errno.ENOSPC, "No space left on device", str(path)) from None
            raise FrontierDamaged(path, str(exc)) from None

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        return self._db.execute(sql, params)

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        self._db.executemany(sql, rows)

    def known(self, url: str) -> bool:
        return url in self._seen

    def host_count(self, host: str) -> int:
        return self._hosts[host]

    def add(self, entries: Iterable[NewURL]) -> int:
        fresh = []
        for entry in entries:
            url, host, depth = entry[:3]
            if url in self._seen:
                continue
            self._seen.add(url)
            self._hosts[host] += 1
            fresh.append((url, host, depth, QUEUED, entry[3] if len(entry) > 3 else 0.0))
        if fresh:
            self._write_many(
                "INSERT OR IGNORE INTO urls (url, host, depth, state, priority) VALUES (?, ?, ?, ?, ?)", fresh)
        return len(fresh)

    def claim(self, url: str, host: str, depth: int, priority: float = 0.0) -> int | None:
        if url not in self._seen:
            self._seen.add(url)
            self._hosts[host] += 1
            cursor = self._write(
                "INSERT INTO urls (url, host, depth, state, priority) VALUES (?, ?, ?, ?, ?)",
                (url, host, depth, IN_FLIGHT, priority),
            )
            return int(cursor.lastrowid or 0)
        row = self._db.execute("SELECT id, state FROM urls WHERE url = ?", (url,)).fetchone()
        if row is None or row[1] != QUEUED:
            return None
        self._write("UPDATE urls SET state = ? WHERE id = ?", (IN_FLIGHT, row[0]))
        return int(row[0])

    def pop(self, limit: int, exclude_hosts: Sequence[str] = (), per_host: int | None = None) -> list[FrontierEntry]:
        sql = "SELECT id, url, host, depth, attempts, priority FROM urls WHERE state = 0"
        params: list[Any] = []
        if exclude_hosts:
            sql += f" AND host NOT IN ({','.join('?' * len(exclude_hosts))})"
            params.extend(exclude_hosts)
        sql += f" ORDER BY {self._order} LIMIT ?"
        if per_host is None:
            params.append(limit)
            rows = self._db.execute(sql, params).fetchall()
        else:  # read on past a host's share, so one host's best URLs do not fill the whole batch
            params.append(max(_MIN_SCAN, limit * 4))
            taken: Counter[str] = Counter()
            rows = []
            for row in self._db.execute(sql, params).fetchall():
                if taken[row[2]] < per_host:
                    taken[row[2]] += 1
                    rows.append(row)
                    if len(rows) >= limit:
                        break
        if rows:
            self._write_many("UPDATE urls SET state = 1 WHERE id = ?", [(row[0],) for row in rows])
        return [FrontierEntry(*row) for row in rows]

    def requeue(self, url_id: int, attempts: int) -> None:
        self._write("UPDATE urls SET state = 0, attempts = ? WHERE id = ?", (attempts, url_id))

    def finish(self, url_id: int, state: int, reason: str) -> None:
        self._write("UPDATE urls SET state = ?, reason = ? WHERE id = ?", (state, reason, url_id))

    def mark_kept(self, kept: Sequence[tuple[int | None, str, str, int]]) -> None:
        self._write_many(
            "UPDATE urls SET state = 2, reason = 'kept' WHERE id = ?",
            [(url_id,) for url_id, _, _, _ in kept if url_id is not None],
        )
        self._write_many(
            "INSERT OR IGNORE INTO kept (doc_id, url, shard) VALUES (?, ?, ?)",
            [(doc_id, url, shard) for _, url, doc_id, shard in kept],
        )

    def mark_done_urls(self, urls: Iterable[str]) -> int:
        rows = [(url,) for url in urls if url in self._seen]
        self._write_many("UPDATE urls SET state = 2, reason = 'kept' WHERE url = ? AND state != 2", rows)
        return len(rows)

    def recover(self) -> int:
        cursor = self._write("UPDATE urls SET state = 0 WHERE state = 1")
        return cursor.rowcount

    def retry_failed(self, reasons: Sequence[str]) -> int:
        marks = ",".join("?" * len(reasons))
        cursor = self._write(
            f"UPDATE urls SET state = 0, attempts = 0 WHERE state = 3 AND reason IN ({marks})", list(reasons)
        )
        return cursor.rowcount

    def queued_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM urls WHERE state = 0").fetchone()[0])

    def outcomes(self, unrequested: Sequence[str]) -> Iterator[tuple[str, bool]]:
        marks = ",".join("?" * len(unrequested))
        sql = (f"SELECT url, reason = 'kept' FROM urls WHERE state IN ({DONE}, {FAILED}) "
               f"AND coalesce(reason, '') NOT IN ({marks})")
        for url, kept in self._db.execute(sql, list(unrequested)):
            yield url, bool(kept)

    def state_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT state, COUNT(*) FROM urls GROUP BY state").fetchall()
        return {STATE_NAMES[state]: count for state, count in rows}

    def load_meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_meta(self, key: str, value: Any) -> None:
        self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def close(self) -> None:
        self.commit()
        self._db.close()
