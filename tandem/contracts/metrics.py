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
from dataclasses import dataclass, field
from typing import Any


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
