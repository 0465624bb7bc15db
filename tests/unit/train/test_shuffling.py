"""The shuffle window, the per-host cap, the pass budget and the weighted mix of sources: each
draws from a seeded counter kept in the data position, so a stream restarted from any saved
position goes on exactly as the uninterrupted one."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from tandem.train.packing import DataExhausted, DataPosition, PackedBlocks
from tandem.train.shard_source import ShardSource
from tandem.train.shuffled_source import PASS_BUDGET_USED, WindowSettings

EOS = 0


def encode(text: str) -> list[int]:
    return [ord(c) for c in text] + [EOS]


def write_pages(folder: Path, index: int, pages: list[tuple[str, str]]) -> None:
    """A shard of (host, text) records with urls, as the crawl writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"text": text, "url": f"http://{host}/{i}"}) for i, (host, text) in enumerate(pages)]
    (folder / f"shard-{index:06d}.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def texts_of(dataset: PackedBlocks, count: int) -> list[str]:
    """The first `count` samples' texts (each sample is one block with seq_len 1 + its length)."""
    samples = []
    for _, ids in itertools.islice(dataset._samples(dataset.start), count):
        samples.append("".join(chr(i) for i in ids[:-1]))
    return samples


def one_site_after_another(folder: Path, sites: int = 4, pages: int = 10) -> None:
    """A breadth-first crawl's order: every page of one site, then the next site."""
    write_pages(folder, 1, [(f"site{s}.jp", f"s{s}p{p}") for s in range(sites) for p in range(pages)])


def stream(folder: Path, **settings) -> PackedBlocks:
    source = ShardSource([str(folder / "*.jsonl")], follow=False)
    return PackedBlocks(source, encode, seq_len=4, settings=WindowSettings(**settings), seed=7)


def test_a_window_of_one_keeps_the_crawl_order(tmp_path):
    one_site_after_another(tmp_path)
    assert texts_of(stream(tmp_path, shuffle_window=1), 5) == ["s0p0", "s0p1", "s0p2", "s0p3", "s0p4"]


def test_the_window_mixes_sites_into_every_stretch_of_samples(tmp_path):
    one_site_after_another(tmp_path)
    drawn = texts_of(stream(tmp_path, shuffle_window=20, max_passes=1), 40)
    assert sorted(drawn) == sorted(f"s{s}p{p}" for s in range(4) for p in range(10))  # each once
    assert len({text[:2] for text in drawn[:8]}) >= 2  # in crawl order the first 8 are all site 0
    assert drawn == texts_of(stream(tmp_path, shuffle_window=20, max_passes=1), 40)  # seeded


def test_the_host_cap_spreads_one_site_over_the_window(tmp_path):
    one_site_after_another(tmp_path)
    drawn = texts_of(stream(tmp_path, shuffle_window=20, max_per_host=5, max_passes=1), 20)
    hosts = [text[:2] for text in drawn]
    worst = max(max(Counter(hosts[i:i + 20]).values()) for i in range(0, len(hosts) - 19))
    uncapped = [t[:2] for t in texts_of(stream(tmp_path, shuffle_window=20, max_passes=1), 20)]
    assert worst <= 5 < max(Counter(uncapped).values())


@pytest.mark.parametrize("settings", [
    {"shuffle_window": 7},
    {"shuffle_window": 7, "max_per_host": 2},
    {"shuffle_window": 50, "max_passes": 2},
])
def test_a_shuffled_stream_restarted_from_any_saved_position_continues_identically(tmp_path, settings):
    one_site_after_another(tmp_path / "a")
    write_pages(tmp_path / "a", 2, [("other.jp", "tail"), ("other.jp", "end")])
    whole = stream(tmp_path / "a", **settings)
    expected = [b["input_ids"].tolist() for b in itertools.islice(iter(whole), 60)]
    for cut in (1, 9, 23, 41):
        saved = json.loads(json.dumps(whole.position_after(cut).to_json()))  # as a checkpoint keeps it
        resumed = PackedBlocks(ShardSource([str(tmp_path / "a" / "*.jsonl")], follow=False), encode, seq_len=4,
                               settings=WindowSettings(**settings), seed=7, start=DataPosition.from_json(saved))
        assert [b["input_ids"].tolist() for b in itertools.islice(iter(resumed), 60 - cut)] == expected[cut:]


def test_the_pass_budget_ends_complete_data_and_counts_the_times_read(tmp_path):
    write_pages(tmp_path, 1, [("a.jp", "one"), ("a.jp", "two")])
    dataset = stream(tmp_path, shuffle_window=3, max_passes=3)
    drawn = []
    with pytest.raises(DataExhausted):
        for block in iter(dataset):
            drawn.append(block)
    assert len(drawn) == 3 * 8 // 4  # three passes over "one"+EOS and "two"+EOS, 4 tokens a block
    assert dataset.newest.times_read() == {3: 2}
    assert dataset.newest.epoch == 2  # passes 0, 1, 2


def test_following_with_the_budget_used_waits_for_new_shards(tmp_path, clock):
    write_pages(tmp_path, 1, [("a.jp", "one")])
    messages: list[str] = []

    def crawl(now: float) -> None:
        if now == 3:
            write_pages(tmp_path, 2, [("b.jp", "new")])

    clock.on_sleep.append(crawl)
    source = ShardSource([str(tmp_path / "*.jsonl")], follow=True)
    dataset = PackedBlocks(source, encode, seq_len=4, seed=1, on_wait=messages.append, clock=clock,
                           sleep=clock.sleep,
                           settings=WindowSettings(max_passes=2, poll_interval_s=1, idle_timeout_s=1))
    assert texts_of(dataset, 3) == ["one", "one", "new"]
    assert any(m.startswith(PASS_BUDGET_USED) for m in messages)
    assert not any("pass 2" in m for m in messages)


def test_sources_are_drawn_by_weight_and_their_tokens_counted(tmp_path):
    write_pages(tmp_path / "crawl", 1, [("c.jp", f"c{i}") for i in range(400)])
    write_pages(tmp_path / "base", 1, [("b.jp", f"b{i}") for i in range(400)])
    sources = {name: (ShardSource([str(tmp_path / name / "*.jsonl")], follow=False), weight)
               for name, weight in (("crawl", 3.0), ("base", 1.0))}
    dataset = PackedBlocks(sources, encode, seq_len=4, settings=WindowSettings(shuffle_window=10), seed=3)
    drawn = texts_of(dataset, 400)
    share = sum(t.startswith("c") for t in drawn) / len(drawn)
    assert 0.68 < share < 0.82  # 3:1
    position = list(itertools.islice(dataset._samples(dataset.start), 400))[-1][0]
    tokens = position.tokens_by_source()
    assert tokens["crawl"] + tokens["base"] == sum(len(encode(t)) for t in drawn)
    assert tokens["crawl"] == sum(len(encode(t)) for t in drawn if t.startswith("c"))


def test_a_checkpoint_from_before_shuffling_resumes_where_it_was(tmp_path):
    one_site_after_another(tmp_path, sites=1, pages=4)
    shard = str(tmp_path / "shard-000001.jsonl")
    old = {"epoch": 0, "done_shards": [], "shard": shard, "line": 2, "offset": 1, "blocks": 3, "samples": 3,
           "skipped": 0}
    resumed = stream(tmp_path, shuffle_window=1)
    resumed = PackedBlocks(resumed.source, encode, seq_len=4, settings=WindowSettings(), seed=7,
                           start=DataPosition.from_json(old))
    flat = list(itertools.chain.from_iterable(b["input_ids"].tolist() for b in itertools.islice(iter(resumed), 3)))
    assert flat == (encode("s0p2")[1:] + encode("s0p3") + encode("s0p0"))[:12]
