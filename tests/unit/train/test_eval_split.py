"""The held-out shards: a fixed share, decided once per shard, never trained on — also after a
resume and while a followed crawl adds shards."""

from __future__ import annotations

import json

from tandem.train.eval_split import SPLIT_FILE, EvalSplit, held_out_count
from tandem.train.packing import PackedBlocks
from tandem.train.shard_source import ShardSource
from tandem.train.shuffled_source import WindowSettings


def names(count: int, start: int = 0) -> list[str]:
    return [f"shards/shard-{i:06d}.jsonl" for i in range(start, start + count)]


def test_the_first_shard_always_trains_and_the_share_holds_as_shards_are_added():
    assert [n for n in range(1, 60) if held_out_count(n, 0.05) > held_out_count(n - 1, 0.05)] == [11, 31, 51]
    assert held_out_count(1, 0.5) == 0 and held_out_count(2, 0.5) == 1
    split = EvalSplit(share=0.1)
    split.decide(names(1000))
    assert len(split.held_out) == 100 and names(1)[0] not in split.held_out


def test_shards_arriving_one_by_one_are_split_as_if_listed_at_once():
    at_once, one_by_one = EvalSplit(share=0.2), EvalSplit(share=0.2)
    at_once.decide(names(40))
    for count in range(1, 41):
        one_by_one.decide(names(count))
    assert one_by_one.held_out == at_once.held_out
    assert set(at_once.training(names(40))).isdisjoint(at_once.evaluation(names(40)))
    assert sorted(at_once.training(names(40)) + at_once.evaluation(names(40))) == names(40)


def test_decisions_survive_a_restart_and_a_shard_sorting_before_them_moves_nothing(tmp_path):
    first = EvalSplit.load(tmp_path, share=0.25)
    first.decide(names(10, start=10))
    held = set(first.held_out)
    resumed = EvalSplit.load(tmp_path, share=0.25)
    assert resumed.held_out == held and resumed.order == first.order
    resumed.decide(names(10))  # shards 0-9 appear later but sort first
    assert held <= resumed.held_out
    assert set(resumed.training(names(20))) & held == set()
    saved = json.loads((tmp_path / SPLIT_FILE).read_text())
    assert saved["held_out"] == [s for s in resumed.order if s in resumed.held_out]


def test_the_training_stream_never_reads_a_held_out_shard_while_following(tmp_path, write_shard):
    folder = tmp_path / "shards"
    for index in range(3):
        write_shard(folder, index, [f"shard{index} line{i}" for i in range(3)])
    split = EvalSplit.load(tmp_path, share=0.5)
    source = ShardSource([str(folder / "*.jsonl")], follow=True, select=split.training)
    seen: list[str] = []

    def encode(text: str) -> list[int]:
        seen.append(text)
        return [1, 2, 3]

    added = iter(range(3, 8))

    def more_shards(seconds: float) -> None:  # the crawl writes a shard whenever the reader waits
        index = next(added, None)
        if index is None:
            (folder / "_COMPLETE").write_text("{}")
        else:
            write_shard(folder, index, [f"shard{index} line{i}" for i in range(3)])

    blocks = PackedBlocks(source, encode, seq_len=3, settings=WindowSettings(poll_interval_s=0.01, idle_timeout_s=60),
                          sleep=more_shards)
    for _ in zip(range(40), blocks, strict=False):
        pass
    trained = {text.split()[0] for text in seen}
    held = {name.rsplit("-", 1)[1].split(".")[0] for name in split.held_out}
    assert trained and held and len(split.order) == 8
    assert {f"shard{int(h)}" for h in held}.isdisjoint(trained)
    again = EvalSplit.load(tmp_path, share=0.5)  # a resume sees the same split
    assert again.held_out == split.held_out
