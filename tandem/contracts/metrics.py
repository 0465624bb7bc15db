"""The figures the crawl and the trainer report (docs/child-protocol.md, "Metrics").

Each child puts one of these, as JSON, under `metrics` in its status file; the crawl's also
goes into `stats.json`, and each line of the trainer's `metrics.jsonl` is a `TrainLogLine`. The
report and `invoke status` recognise a process as a crawl or a training by these keys, never by
its name, so a user's own script that writes them gets the same figures. Whatever reads them
back reads them through `CrawlMetricsView`, `TrainMetricsView` and `TrainLogRow` (at the bottom):
typed, each figure None where a child left it out or wrote something else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass
class CrawlMetrics:
    kept: int
    target: int
    pages_fetched: int
    pages_per_s: float
    queue_size: int
    dropped: dict[str, int] = field(default_factory=dict)  # pages not kept, by reason
    refused_links: dict[str, int] = field(default_factory=dict)  # links never queued, by reason
    duplicates_exact: int = 0
    duplicates_near: int = 0
    duplicates_contained: int = 0  # mostly made of already-kept text (a one-page manual)
    bytes_fetched: int = 0
    elapsed_s: float = 0.0
    # The crawl's efficiency: pages fetched for each page kept (None until one is kept). What the
    # quality scheduler lowers: each fetch costs the site a request and the crawl a polite wait.
    fetched_per_kept: float | None = None
    # Each filter of the text pipeline as a named step: {"checked", "dropped", "seconds"}.
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Junk lines the line rules removed from pages before the filters judged them, by reason.
    lines_removed: dict[str, int] = field(default_factory=dict)
    # Inputs this run could not read whole (file sources): URI -> reason, e.g. `truncated at byte N`.
    inputs_failed: dict[str, str] = field(default_factory=dict)
    # Inputs found changed under their saved resume position (another file under the same name):
    # read again from their start this run.
    inputs_changed: list[str] = field(default_factory=list)
    finish_reason: str | None = None  # set once the crawl has ended
    # Set when it ended below its target: one line saying why, with the top drop reasons.
    end_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("finish_reason", "end_note"):
            if data[key] is None:
                del data[key]
        return data


@dataclass
class TrainMetrics:
    step: int
    max_steps: int
    loss: float | None
    learning_rate: float | None
    tokens_per_s: float
    samples_seen: int
    data_pass: int
    skipped_lines: int
    checkpoint: str | None  # the newest complete checkpoint
    metrics_file: str
    output_dir: str
    # Evaluation on the held-out shards (None until the first one, or without held-out shards).
    eval_loss: float | None = None
    eval_perplexity: float | None = None
    eval_step: int | None = None
    best_eval_loss: float | None = None
    best_eval_step: int | None = None
    best_checkpoint: str | None = None  # the saved checkpoint with the lowest eval loss
    generations: list[dict[str, str]] | None = None  # the latest [{prompt, text}]
    # On the user's held-out texts (eval.paths): loss per token, and bits per UTF-8 byte.
    eval_text_loss: float | None = None
    eval_bits_per_byte: float | None = None
    # Usable samples by the times they have been read ({"1": 480, "2": 120}), and tokens drawn
    # from each data source ({"crawl": 123456, "base": 41000}).
    times_read: dict[str, int] | None = None
    source_tokens: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class TrainLogLine:
    """One line of `metrics.jsonl`, written at every logging step."""

    step: int
    loss: float
    learning_rate: float | None
    grad_norm: float | None
    tokens_per_s: float
    samples_seen: int
    data_pass: int
    waited_for_data_s: float
    time: str
    # On evaluation steps only (left out of the line otherwise).
    eval_loss: float | None = None
    eval_perplexity: float | None = None
    eval_tokens: int | None = None
    generations: list[dict[str, str]] | None = None  # [{prompt, text}], greedy
    eval_text_loss: float | None = None  # on eval.paths
    eval_bits_per_byte: float | None = None
    times_read: dict[str, int] | None = None  # as in TrainMetrics
    source_tokens: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in dataclasses.asdict(self).items()
                if value is not None or key not in EVAL_LINE_KEYS}


EVAL_LINE_KEYS = frozenset(("eval_loss", "eval_perplexity", "eval_tokens", "generations", "eval_text_loss",
                            "eval_bits_per_byte", "times_read", "source_tokens"))


CRAWL_KEYS = frozenset(f.name for f in dataclasses.fields(CrawlMetrics))
TRAIN_KEYS = frozenset(f.name for f in dataclasses.fields(TrainMetrics))


def kind_of(metrics: Any) -> str | None:
    """"crawl", "train" or None, by which of the contract's keys a process reports."""
    if not isinstance(metrics, dict):
        return None
    crawl, train = len(CRAWL_KEYS & metrics.keys()), len(TRAIN_KEYS & metrics.keys())
    if not crawl and not train:
        return None
    return "crawl" if crawl > train else "train"


# -- Reading: the same figures, typed, from JSON that any child may have written -------------------
# A user's own script writes only some keys, an older kit wrote fewer, and nothing stops a child
# writing a string where a count belongs. So a reader takes each field only when its JSON value
# fits the field's type, and leaves it None otherwise; it never raises. Each reader has one field
# per field of its writer, typed `writer type | None` (tests/unit/contracts/test_metrics_readers.py).


def _read_int(value: object) -> int | None:
    """A count. JSON has one number type, so 12.0 is 12; a bool is no count, nor is 12.5."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _read_float(value: object) -> float | None:
    """A measure; NaN (a diverged loss, say) is none, as it draws nothing and compares with nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def _read_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read_counts(value: object) -> dict[str, int] | None:
    """Counts by name; an entry whose count is not a count is left out."""
    if not isinstance(value, dict):
        return None
    counts = {str(name): _read_int(count) for name, count in value.items()}
    return {name: count for name, count in counts.items() if count is not None}


def _read_texts(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(name): text for name, text in value.items() if isinstance(text, str)}


def _read_text_list(value: object) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [text for text in value if isinstance(text, str)]


def _read_steps(value: object) -> dict[str, dict[str, Any]] | None:
    """The filters' named steps, each an object of its own figures."""
    if not isinstance(value, dict):
        return None
    return {str(name): dict(step) for name, step in value.items() if isinstance(step, dict)}


def _read_generations(value: object) -> list[dict[str, str]] | None:
    """[{prompt, text}]: an answer that is no object is left out, a part that is no text is ""."""
    if not isinstance(value, list):
        return None
    return [{"prompt": _read_str(answer.get("prompt")) or "", "text": _read_str(answer.get("text")) or ""}
            for answer in value if isinstance(answer, dict)]


# How a field is read, by its annotation (as written in the reader classes below).
FIELD_READERS: dict[str, Callable[[object], object]] = {
    "int | None": _read_int,
    "float | None": _read_float,
    "str | None": _read_str,
    "dict[str, int] | None": _read_counts,
    "dict[str, str] | None": _read_texts,
    "list[str] | None": _read_text_list,
    "dict[str, dict[str, Any]] | None": _read_steps,
    "list[dict[str, str]] | None": _read_generations,
}

_Reader = TypeVar("_Reader", bound="DataclassInstance")


def _read(cls: type[_Reader], data: object) -> _Reader:
    source = data if isinstance(data, dict) else {}
    values = {f.name: FIELD_READERS[str(f.type)](source.get(f.name)) for f in dataclasses.fields(cls)}
    return cls(**values)


@dataclass(frozen=True)
class CrawlMetricsView:
    """A `CrawlMetrics` as read back from JSON: each field None where absent or of the wrong type."""

    kept: int | None = None
    target: int | None = None
    pages_fetched: int | None = None
    pages_per_s: float | None = None
    queue_size: int | None = None
    dropped: dict[str, int] | None = None
    refused_links: dict[str, int] | None = None
    duplicates_exact: int | None = None
    duplicates_near: int | None = None
    duplicates_contained: int | None = None
    bytes_fetched: int | None = None
    elapsed_s: float | None = None
    fetched_per_kept: float | None = None
    filters: dict[str, dict[str, Any]] | None = None
    lines_removed: dict[str, int] | None = None
    inputs_failed: dict[str, str] | None = None
    inputs_changed: list[str] | None = None
    finish_reason: str | None = None
    end_note: str | None = None

    @classmethod
    def read(cls, data: object) -> CrawlMetricsView:
        return _read(cls, data)


@dataclass(frozen=True)
class TrainMetricsView:
    """A `TrainMetrics` as read back from JSON: each field None where absent or of the wrong type."""

    step: int | None = None
    max_steps: int | None = None
    loss: float | None = None
    learning_rate: float | None = None
    tokens_per_s: float | None = None
    samples_seen: int | None = None
    data_pass: int | None = None
    skipped_lines: int | None = None
    checkpoint: str | None = None
    metrics_file: str | None = None
    output_dir: str | None = None
    eval_loss: float | None = None
    eval_perplexity: float | None = None
    eval_step: int | None = None
    best_eval_loss: float | None = None
    best_eval_step: int | None = None
    best_checkpoint: str | None = None
    generations: list[dict[str, str]] | None = None
    eval_text_loss: float | None = None
    eval_bits_per_byte: float | None = None
    times_read: dict[str, int] | None = None
    source_tokens: dict[str, int] | None = None

    @classmethod
    def read(cls, data: object) -> TrainMetricsView:
        return _read(cls, data)


@dataclass(frozen=True)
class TrainLogRow:
    """A `TrainLogLine` (a line of `metrics.jsonl`) as read back: each field None where absent or
    of the wrong type."""

    step: int | None = None
    loss: float | None = None
    learning_rate: float | None = None
    grad_norm: float | None = None
    tokens_per_s: float | None = None
    samples_seen: int | None = None
    data_pass: int | None = None
    waited_for_data_s: float | None = None
    time: str | None = None
    eval_loss: float | None = None
    eval_perplexity: float | None = None
    eval_tokens: int | None = None
    generations: list[dict[str, str]] | None = None
    eval_text_loss: float | None = None
    eval_bits_per_byte: float | None = None
    times_read: dict[str, int] | None = None
    source_tokens: dict[str, int] | None = None

    @classmethod
    def read(cls, data: object) -> TrainLogRow:
        return _read(cls, data)
