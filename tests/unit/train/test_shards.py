from __future__ import annotations

import pytest

from tandem.common.typed_config import ConfigError
from tandem.contracts.upstream import UpstreamFailure, write_upstream_failure
from tandem.train.shard_source import DataSourceFailed, ShardSource, TrainingStopped, wait_for_samples


def test_lists_shards_in_name_order_and_ignores_temp_files(tmp_path, write_shard):
    shards = tmp_path / "shards"
    write_shard(shards, 2, ["b"])
    write_shard(shards, 1, ["a"])
    (shards / ".shard-000003.jsonl.tmp").write_text('{"text": "partial"}\n')
    (shards / "_COMPLETE").write_text("{}")
    source = ShardSource([str(shards / "*.jsonl")], follow=True)
    assert [p.rsplit("/", 1)[1] for p in source.list_shards()] == ["shard-000001.jsonl", "shard-000002.jsonl"]


def test_empty_and_malformed_lines_are_skipped_and_counted(tmp_path, write_shard):
    shard = write_shard(tmp_path, 1, ["good", None, "   ", "also good"])
    with open(shard, "a") as handle:
        handle.write("\n[1, 2]\n" + '{"title": "no text"}\n' + '{"text": 5}\n')
    source = ShardSource([str(shard)], follow=False)
    assert [s and s.text for _, s in source.read(str(shard))] == ["good", None, None, "also good", None, None, None,
                                                                 None]
    assert source.counts(str(shard)) == (2, 6)
    assert next(s for _, s in source.read(str(shard), start_line=3)) == ("also good", "")


def test_complete_needs_the_marker_only_when_following(tmp_path, write_shard):
    write_shard(tmp_path / "shards", 1, ["a"])
    pattern = [str(tmp_path / "shards" / "*.jsonl")]
    assert ShardSource(pattern, follow=False).complete()
    following = ShardSource(pattern, follow=True)
    assert not following.complete()
    (tmp_path / "shards" / "_COMPLETE").write_text('{"finish_reason": "target"}')
    assert following.complete()


def test_wait_for_samples_waits_with_a_message_until_enough_arrive(tmp_path, write_shard, clock):
    shards = tmp_path / "shards"
    source = ShardSource([str(shards / "*.jsonl")], follow=True)
    messages: list[str] = []
    clock.on_sleep.append(lambda now: write_shard(shards, int(now), ["x", "y"]) if now <= 3 else None)
    found = wait_for_samples(source, 5, 1.0, messages.append, lambda: False, clock=clock, sleep=clock.sleep)
    assert found == 6
    assert messages[0] == "waiting for data: 0/5 samples"
    assert messages[-1] == "waiting for data: 4/5 samples"


def test_wait_for_samples_takes_what_a_finished_crawl_left(tmp_path, write_shard, clock):
    shards = tmp_path / "shards"
    write_shard(shards, 1, ["only one"])
    (shards / "_COMPLETE").write_text("{}")
    source = ShardSource([str(shards / "*.jsonl")], follow=True)
    assert wait_for_samples(source, 50, 1.0, lambda m: None, lambda: False, clock=clock, sleep=clock.sleep) == 1


def test_no_files_without_follow_is_a_one_line_error(tmp_path, clock):
    source = ShardSource([str(tmp_path / "nothing" / "*.jsonl")], follow=False)
    with pytest.raises(ConfigError, match=r"data.paths: no file matches .*nothing"):
        wait_for_samples(source, 1, 1.0, lambda m: None, lambda: False, clock=clock, sleep=clock.sleep)


def test_only_malformed_lines_is_a_one_line_error(tmp_path, write_shard, clock):
    write_shard(tmp_path, 1, [None, None])
    source = ShardSource([str(tmp_path / "*.jsonl")], follow=False)
    with pytest.raises(ConfigError, match=r"no usable 'text' in 1 file\(s\).*2 empty or malformed"):
        wait_for_samples(source, 1, 1.0, lambda m: None, lambda: False, clock=clock, sleep=clock.sleep)


def test_waiting_gives_up_after_the_start_timeout_or_on_stop(tmp_path, clock):
    source = ShardSource([str(tmp_path / "*.jsonl")], follow=True)
    with pytest.raises(ConfigError, match=r"data.start_timeout_s: only 0/3 samples after 5 s"):
        wait_for_samples(source, 3, 1.0, lambda m: None, lambda: False, timeout_s=5, clock=clock,
                         sleep=clock.sleep)
    with pytest.raises(TrainingStopped):
        wait_for_samples(source, 3, 1.0, lambda m: None, lambda: True, clock=clock, sleep=clock.sleep)


def _tell_crawl_failed(path):
    write_upstream_failure(path, UpstreamFailure({"crawl": "exit code 1; gave up after 3 restart(s)"},
                                                 "2026-11-30T08:00:00+00:00", None))


def test_told_that_the_crawl_failed_the_trainer_takes_what_has_arrived(tmp_path, write_shard, clock):
    shards, notice = tmp_path / "shards", tmp_path / "train.upstream.json"
    write_shard(shards, 1, ["one", "two", "three"])
    source = ShardSource([str(shards / "*.jsonl")], follow=True, upstream_file=notice)
    clock.on_sleep.append(lambda now: _tell_crawl_failed(notice) if now >= 4 else None)
    found = wait_for_samples(source, 200, 1.0, lambda m: None, lambda: False, clock=clock, sleep=clock.sleep)
    assert found == 3 and clock.now == 4.0
    assert source.complete()  # no more shards will come: further passes go over these


def test_told_that_the_crawl_failed_before_any_sample_the_trainer_gives_up_saying_why(tmp_path, clock):
    notice = tmp_path / "train.upstream.json"
    source = ShardSource([str(tmp_path / "shards" / "*.jsonl")], follow=True, upstream_file=notice)
    clock.on_sleep.append(lambda now: _tell_crawl_failed(notice) if now >= 2 else None)
    with pytest.raises(DataSourceFailed) as error:
        wait_for_samples(source, 200, 1.0, lambda m: None, lambda: False, clock=clock, sleep=clock.sleep)
    assert str(error.value) == ("crawl failed for good (exit code 1; gave up after 3 restart(s)) before any usable "
                                f"sample arrived in {tmp_path / 'shards' / '*.jsonl'}: nothing to train on")


def test_the_upstream_file_comes_from_the_supervisors_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TANDEM_UPSTREAM_FILE", str(tmp_path / "train.upstream.json"))
    source = ShardSource([str(tmp_path / "*.jsonl")], follow=True)
    assert not source.complete()
    _tell_crawl_failed(tmp_path / "train.upstream.json")
    assert source.complete() and source.upstream_failure() is not None
