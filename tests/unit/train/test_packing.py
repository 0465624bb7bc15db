from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tandem.train.packing import DataPosition, PackedBlocks
from tandem.train.shard_source import ShardSource, TrainingStopped
from tandem.train.shuffled_source import WindowSettings

EOS = 0


def encode(text: str) -> list[int]:
    return [ord(c) for c in text] + [EOS]


def blocks_of(dataset: PackedBlocks, count: int) -> list[list[int]]:
    return [b["input_ids"].tolist() for b in itertools.islice(iter(dataset), count)]


def stream(folder: Path, follow: bool = False, **kwargs) -> PackedBlocks:
    source = ShardSource([str(folder / "*.jsonl")], follow=follow)
    return PackedBlocks(source, encode, seq_len=5, **kwargs)


def test_texts_are_packed_back_to_back_with_eos_and_passes_repeat(tmp_path, write_shard):
    write_shard(tmp_path, 1, ["abc", "defgh"])
    write_shard(tmp_path, 2, ["ij"])
    flat = encode("abc") + encode("defgh") + encode("ij")  # 13 tokens
    dataset = stream(tmp_path)
    got = blocks_of(dataset, 6)
    assert list(itertools.chain.from_iterable(got)) == (flat * 3)[:30]
    first = dataset.position_after(2)  # blocks 1-2 used 10 tokens: "ij" not started
    reader = first.sources["crawl"]
    assert (Path(reader.shard).name, reader.line, first.current, first.samples) == ("shard-000001.jsonl", 2, None, 2)
    assert dataset.newest.epoch == 2 and dataset.newest.blocks == 6


def test_labels_are_the_inputs(tmp_path, write_shard):
    write_shard(tmp_path, 1, ["abcdefghij"])
    block = next(iter(stream(tmp_path)))
    assert block["labels"].tolist() == block["input_ids"].tolist()


@pytest.mark.parametrize("cut", range(1, 9))
def test_a_stream_restarted_from_any_recorded_position_continues_identically(tmp_path, write_shard, cut):
    write_shard(tmp_path, 1, ["abcdefg", None, "hi", "jklmnopqrstu"])
    write_shard(tmp_path, 2, ["", "vw", "xyz"])
    whole = stream(tmp_path)
    expected = blocks_of(whole, 12)
    position = DataPosition.from_json(whole.position_after(cut).to_json())  # through JSON, as saved
    resumed = stream(tmp_path, start=position)
    assert blocks_of(resumed, 12 - cut) == expected[cut:]
    assert resumed.newest.samples == whole.newest.samples
    assert resumed.newest.skipped == whole.newest.skipped


def test_skipped_lines_are_counted_in_the_position(tmp_path, write_shard):
    write_shard(tmp_path, 1, [None, "abcd", None, "", "efgh"])
    dataset = stream(tmp_path)
    blocks_of(dataset, 2)
    assert dataset.position_after(2).skipped == 3
    assert dataset.position_after(2).samples == 2


def test_following_takes_shards_that_appear_and_says_it_waits(tmp_path, write_shard, clock):
    write_shard(tmp_path, 1, ["abcd"])
    messages: list[str] = []

    def crawl_progress(now: float) -> None:
        if now == 2:
            write_shard(tmp_path, 2, ["efgh"])
        if now == 4:
            (tmp_path / "_COMPLETE").write_text("{}")

    clock.on_sleep.append(crawl_progress)
    dataset = stream(tmp_path, follow=True, settings=WindowSettings(poll_interval_s=1, idle_timeout_s=100),
                     on_wait=messages.append, clock=clock, sleep=clock.sleep)
    got = blocks_of(dataset, 4)
    assert list(itertools.chain.from_iterable(got)) == (encode("abcd") + encode("efgh")) * 2
    assert messages[0] == "waiting for data: caught up with 1 shards, crawl still running"
    assert len(messages) == 4  # waited at t=0,1 for shard 2 and at t=2,3 for _COMPLETE
    assert dataset.position_after(2).sources["crawl"].done_shards == (str(tmp_path / "shard-000001.jsonl"),)
    assert dataset.newest.epoch == 1
    assert dataset.waited_s == 4.0  # four polls of one second: what training speed leaves out


def test_following_starts_another_pass_after_the_idle_timeout(tmp_path, write_shard, clock):
    write_shard(tmp_path, 1, ["abcd"])
    dataset = stream(tmp_path, follow=True, settings=WindowSettings(poll_interval_s=1, idle_timeout_s=3),
                     clock=clock, sleep=clock.sleep)
    assert blocks_of(dataset, 2) == [encode("abcd"), encode("abcd")]
    assert clock.now == 3 and dataset.newest.epoch == 1


def test_a_stop_while_waiting_for_shards_raises(tmp_path, write_shard, clock):
    write_shard(tmp_path, 1, ["abcd"])
    stop = {"now": False}
    clock.on_sleep.append(lambda now: stop.update(now=True))
    dataset = stream(tmp_path, follow=True, should_stop=lambda: stop["now"], clock=clock, sleep=clock.sleep)
    with pytest.raises(TrainingStopped):
        blocks_of(dataset, 3)


def test_history_is_forgotten_once_no_checkpoint_can_need_it(tmp_path, write_shard):
    write_shard(tmp_path, 1, ["abcdefghijklmnopqrst"])
    dataset = stream(tmp_path)
    blocks_of(dataset, 4)
    dataset.forget_before(3)
    assert sorted(dataset.history) == [3, 4]
    with pytest.raises(KeyError):
        dataset.position_after(2)


def test_with_the_document_mask_a_text_attends_only_to_itself(tmp_path, write_shard):
    """Logits of the second text in a packed block equal those of that text alone."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    write_shard(tmp_path, 0, ["a", "b"])
    ids = {"a": [5, 6, 7, 8, 9], "b": [10, 11, 12]}
    source = ShardSource([str(tmp_path / "*.jsonl")], follow=False)
    block = next(iter(PackedBlocks(source, lambda text: ids[text], seq_len=8, document_mask=True)))
    assert block["position_ids"].tolist() == [0, 1, 2, 3, 4, 0, 1, 2]
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                         num_key_value_heads=4,
                                         intermediate_size=64, vocab_size=20)).eval()
    with torch.no_grad():
        # use_cache=False as Trainer sets it: with a KV cache transformers builds no packed mask.
        packed = model(input_ids=block["input_ids"][None], position_ids=block["position_ids"][None],
                       use_cache=False).logits[0]
        alone = model(input_ids=torch.tensor([ids["b"]]), use_cache=False).logits[0]
        leaky = model(input_ids=block["input_ids"][None], use_cache=False).logits[0]
    assert torch.allclose(packed[5:], alone, atol=1e-5)
    assert not torch.allclose(leaky[5:], alone, atol=1e-3)  # without the mask the first text leaks in
