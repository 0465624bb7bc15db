"""Reading the metrics contract back: typed, tolerant of partial and hostile JSON, and one reader
field for every field a writer writes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tandem.contracts.metrics import CrawlMetrics, TrainLogLine, TrainMetrics
from tandem.contracts.metrics_read import FIELD_READERS, CrawlMetricsView, TrainLogRow, TrainMetricsView

PAIRS = [(CrawlMetrics, CrawlMetricsView), (TrainMetrics, TrainMetricsView), (TrainLogLine, TrainLogRow)]
READERS = [reader for _, reader in PAIRS]


def _optional(annotation: str) -> str:
    return annotation if annotation.endswith(" | None") else f"{annotation} | None"


@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=lambda cls: cls.__name__)
def test_every_writer_field_has_a_reader_field_of_its_type_or_none(writer: type, reader: type) -> None:
    written = {f.name: _optional(str(f.type)) for f in dataclasses.fields(writer)}
    read = {f.name: str(f.type) for f in dataclasses.fields(reader)}
    assert read == written


@pytest.mark.parametrize("reader", READERS, ids=lambda cls: cls.__name__)
def test_every_reader_field_has_a_way_to_be_read(reader: type) -> None:
    assert all(str(f.type) in FIELD_READERS for f in dataclasses.fields(reader))


def _every_field_set() -> list[tuple[Any, type]]:
    generations = [{"prompt": "日本の首都は", "text": "東京です。"}, {"prompt": "p", "text": ""}]
    crawl = CrawlMetrics(
        kept=120, target=1000, pages_fetched=300, pages_per_s=2.5, queue_size=41,
        dropped={"too_short": 80, "not_japanese": 20}, refused_links={"robots": 3},
        duplicates_exact=4, duplicates_near=5, duplicates_contained=6, bytes_fetched=1_234_567,
        elapsed_s=61.25, fetched_per_kept=2.5, filters={"length": {"checked": 300, "dropped": 80, "seconds": 0.5}},
        lines_removed={"menu": 12}, inputs_failed={"file:///a.txt": "truncated at byte 10"},
        inputs_changed=["file:///b.txt"], finish_reason="target reached", end_note="kept 120 of 1000")
    train = TrainMetrics(
        step=50, max_steps=100, loss=2.25, learning_rate=1e-4, tokens_per_s=812.5, samples_seen=400,
        data_pass=2, skipped_lines=1, checkpoint="out/checkpoint-50", metrics_file="out/metrics.jsonl",
        output_dir="out", eval_loss=2.5, eval_perplexity=12.18, eval_step=50, best_eval_loss=2.4,
        best_eval_step=40, best_checkpoint="out/checkpoint-40", generations=generations, eval_text_loss=2.1,
        eval_bits_per_byte=1.05, times_read={"1": 480, "2": 120}, source_tokens={"crawl": 123456, "base": 41000})
    line = TrainLogLine(
        step=50, loss=2.25, learning_rate=1e-4, grad_norm=0.75, tokens_per_s=812.5, samples_seen=400, data_pass=2,
        waited_for_data_s=0.5, time="2026-12-06T21:00:00+00:00", eval_loss=2.5, eval_perplexity=12.18,
        eval_tokens=4096, generations=generations, eval_text_loss=2.1, eval_bits_per_byte=1.05,
        times_read={"1": 480}, source_tokens={"crawl": 1})
    return [(crawl, CrawlMetricsView), (train, TrainMetricsView), (line, TrainLogRow)]


@pytest.mark.parametrize(("written", "reader"), _every_field_set(), ids=["crawl", "train", "train-log-line"])
def test_what_a_writer_writes_reads_back_whole(written: Any, reader: Any) -> None:
    assert all(getattr(written, f.name) is not None for f in dataclasses.fields(written))  # a test of every field
    read = reader.read(json.loads(json.dumps(written.to_json())))
    assert {f.name: getattr(read, f.name) for f in dataclasses.fields(read)} == dataclasses.asdict(written)


@pytest.mark.parametrize("reader", READERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("data", [None, [], "kept", 3, True, {}, {"unknown": 1}], ids=repr)
def test_anything_but_an_object_with_the_keys_reads_as_all_none(reader: Any, data: object) -> None:
    read = reader.read(data)
    assert all(getattr(read, f.name) is None for f in dataclasses.fields(read))


HOSTILE = [None, True, False, "12", "", [], [1, "a"], {}, {"a": True}, {"a": "b", "b": [1]}, float("nan"),
           float("inf"), 12.5, -3, {"prompt": 1}, [{"prompt": 1, "text": None}, "answer", 4]]


@pytest.mark.parametrize("reader", READERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_a_reader_never_raises_and_reads_only_values_of_its_types(reader: Any, value: object) -> None:
    read = reader.read({f.name: value for f in dataclasses.fields(reader)})
    for f in dataclasses.fields(read):
        got = getattr(read, f.name)
        kind = str(f.type)
        if got is None:
            continue
        if kind == "int | None":
            assert type(got) is int
        elif kind == "float | None":
            assert type(got) is float and got == got
        elif kind == "str | None":
            assert isinstance(got, str)
        elif kind == "dict[str, int] | None":
            assert all(isinstance(k, str) and type(v) is int for k, v in got.items())
        elif kind == "dict[str, str] | None":
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in got.items())
        elif kind == "list[str] | None":
            assert all(isinstance(v, str) for v in got)
        elif kind == "list[dict[str, str]] | None":
            assert all(set(a) == {"prompt", "text"} and all(isinstance(t, str) for t in a.values()) for a in got)
        else:
            assert all(isinstance(v, dict) for v in got.values())


def test_a_bool_is_no_count_and_no_measure() -> None:
    read = CrawlMetricsView.read({"kept": True, "target": False, "pages_per_s": True, "dropped": {"a": True}})
    assert (read.kept, read.target, read.pages_per_s, read.dropped) == (None, None, None, {})


def test_a_count_written_as_a_whole_float_is_a_count_and_a_fraction_is_none() -> None:
    read = TrainLogRow.read({"step": 12.0, "eval_tokens": 12.5, "samples_seen": "12"})
    assert (read.step, read.eval_tokens, read.samples_seen) == (12, None, None)
    assert type(read.step) is int


def test_a_measure_written_as_an_int_is_a_float_and_nan_is_none() -> None:
    read = TrainLogRow.read({"loss": 3, "learning_rate": float("nan"), "tokens_per_s": "fast"})
    assert (read.loss, read.learning_rate, read.tokens_per_s) == (3.0, None, None)
    assert type(read.loss) is float


def test_a_partial_status_keeps_what_it_has() -> None:
    read = TrainMetricsView.read({"step": 7, "loss": 1.5, "checkpoint": 42})
    assert (read.step, read.loss, read.checkpoint, read.max_steps) == (7, 1.5, None, None)


def test_entries_of_the_wrong_type_are_left_out_of_a_collection() -> None:
    read = CrawlMetricsView.read({"dropped": {"short": 3, "odd": "many", "whole": 2.0},
                                  "inputs_failed": {"a": "truncated", "b": 3}, "inputs_changed": ["x", 1],
                                  "filters": {"length": {"checked": 1}, "broken": 5}})
    assert read.dropped == {"short": 3, "whole": 2}
    assert read.inputs_failed == {"a": "truncated"}
    assert read.inputs_changed == ["x"]
    assert read.filters == {"length": {"checked": 1}}


def test_generations_keep_each_answer_object_with_its_texts() -> None:
    read = TrainMetricsView.read({"generations": [{"prompt": "p", "text": "t", "extra": 1}, "junk", {"prompt": 3}]})
    assert read.generations == [{"prompt": "p", "text": "t"}, {"prompt": "", "text": ""}]
