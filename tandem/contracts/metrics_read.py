"""Reading the metrics back (contracts/metrics.py): the same figures, typed, from JSON that any
child may have written (docs/child-protocol.md, "Metrics").

A user's own script writes only some keys, an older kit wrote fewer, and nothing stops a child
writing a string where a count belongs. So a reader takes each field only when its JSON value
fits the field's type, and leaves it None otherwise; it never raises. Each reader has one field
per field of its writer, typed `writer type | None` (tests/unit/contracts/test_metrics_readers.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

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
