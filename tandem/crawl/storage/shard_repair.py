"""Reading committed shards back on resume, and repairing one whose lines are damaged.

Shards are written whole and renamed into place, so a damaged line comes from outside the crawl:
a disk that lost a block, an editor, a copy cut short. Such a line is named (file and line
number), the shard is rewritten without it (atomically), and the damaged file is kept beside it
as `shard-NNNNNN.jsonl.damaged-<time>`, a name that neither the crawl nor the trainer reads. The
crawl goes on with the records that were readable; a traceback would only stop it on every
resume.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tandem.contracts.shards import committed_shards
from tandem.fileio.atomic_files import atomic_write_text

REQUIRED_FIELDS = ("id", "url", "text")


def checked_records(folder: Path, say: Callable[[str], None]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(shard number, record) for every readable line of every committed shard, in order;
    shards with unreadable lines are repaired once they have been read."""
    for number, path in committed_shards(folder):
        good: list[str] = []
        bad: list[tuple[int, str]] = []
        with path.open("rb") as handle:
            for line_number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                record, problem = _parse(raw)
                if record is None:
                    bad.append((line_number, problem))
                    continue
                good.append(raw.decode("utf-8").rstrip("\r\n"))
                yield number, record
        if bad:
            _repair(path, good, bad, say)


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not valid UTF-8 (truncated or garbled)"
    except ValueError:
        return None, "not a JSON record (truncated or garbled)"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    missing = [key for key in REQUIRED_FIELDS if not isinstance(record.get(key), str)]
    if missing:
        return None, f"no {', '.join(missing)}"
    return record, ""


def _repair(path: Path, good: list[str], bad: list[tuple[int, str]], say: Callable[[str], None]) -> None:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.copy2(path, aside)
    atomic_write_text(path, "".join(line + "\n" for line in good))
    first_line, problem = bad[0]
    more = f" (and {len(bad) - 1} more lines)" if len(bad) > 1 else ""
    say(f"{path} line {first_line}: {problem}{more}; skipped: the shard now holds its {len(good)} readable "
        f"records, the damaged file is kept as {aside.name}")
