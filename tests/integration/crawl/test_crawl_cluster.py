"""The file-source pipeline as a datatrove pipeline (`scripts/crawl_cluster.py`): several tasks on
datatrove's local executor, then one merge into tandem's shards; and the Ray executor on a local
Ray where Ray is installed and starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support.paths import REPO, SCRIPTS
from support.warc_files import demo_articles, write_warc

from tandem.contracts.shards import RECORD_FIELDS, has_complete_marker, read_records
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.crawl.text.text_steps import build_text_steps

pytest.importorskip("datatrove", reason="the cluster extra is not installed (pip install 'tandem[cluster]')")
CLUSTER = SCRIPTS / "crawl_cluster.py"


@pytest.fixture(scope="module")
def cluster_inputs(demo_site, tmp_path_factory) -> Path:
    """Four WARC files; the last repeats the first's articles under another host, so the same
    article reaches two different tasks."""
    folder = tmp_path_factory.mktemp("cluster-in")
    articles = demo_articles(demo_site)
    third = len(articles) // 3 + 1
    for n in range(3):
        write_warc(folder / f"part-{n}.warc.gz", articles[n * third : (n + 1) * third], english_every=4)
    write_warc(folder / "part-3.warc.gz", articles[:third], host="copy.example")
    return folder


def _run_cluster(config: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(CLUSTER), "--config", str(config), *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=REPO)


def _config(tmp_path: Path, inputs: Path, target: int) -> Path:
    path = tmp_path / "crawl.yaml"
    path.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "out"), "sources": [str(inputs)],
                                    "target": target, "output": {"shard_size": 10}}), encoding="utf-8")
    return path


def _check_shards(out: Path, expected: int) -> list[dict]:
    records = [record for _, record in read_records(out / "shards")]
    assert len(records) == expected == len({r["id"] for r in records})
    assert all(tuple(r) == RECORD_FIELDS and r["source"] == "local" for r in records)
    paths = [r["url"].split("/", 3)[3] for r in records]
    assert len(paths) == len(set(paths)), "an article reached two tasks and was kept twice"
    quality = QualityFilter(QualitySettings(), [])
    assert all(quality.check(r["text"])[0] for r in records)
    assert has_complete_marker(out / "shards")
    return records


def test_local_executor_several_tasks_then_one_exact_merge(cluster_inputs, tmp_path) -> None:
    config = _config(tmp_path, cluster_inputs, target=40)
    done = _run_cluster(config, "--tasks", "4", "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    records = _check_shards(out, 40)
    assert len(list((out / "candidates").glob("*.jsonl"))) == 4
    stats = json.loads((out / "datatrove" / "extract" / "stats.json").read_text(encoding="utf-8"))
    # Every step of the crawl's own text pipeline ran as a datatrove step, in its order.
    crawl = CrawlConfig()
    steps = build_text_steps(crawl.extract, crawl.quality, load_ng_words(None), crawl.prefilter)
    crawl_steps = [f"🔻 - FILTER: tandem {step.name}" for step in steps]
    assert [step["name"] for step in stats][1:-1] == crawl_steps
    prefilter = next(step for step in stats if step["name"].endswith("tandem prefilter"))
    refused = prefilter["stats"]["dropped_prefilter_no_kana"]
    assert (refused["total"] if isinstance(refused, dict) else refused) >= 10  # the English pages

    # Run again with a larger target: no task is done twice, the merge goes on from its shards.
    started = time.monotonic()
    again = _run_cluster(config, "--tasks", "4", "--workers", "2", "--target", "60")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Skipping 4 already completed tasks" in again.stderr or "already been completed" in again.stderr
    assert _check_shards(out, 60)[:40] == records
    assert time.monotonic() - started < 120


def test_bad_flags_and_config_are_one_line(cluster_inputs, tmp_path) -> None:
    no_partition = _run_cluster(_config(tmp_path, cluster_inputs, 5), "--executor", "slurm")
    assert no_partition.returncode == 2 and no_partition.stderr.count("\n") == 1
    (tmp_path / "empty.yaml").write_text("target: 5\n", encoding="utf-8")
    no_sources = _run_cluster(tmp_path / "empty.yaml")
    assert no_sources.returncode == 2 and "sources" in no_sources.stderr and no_sources.stderr.count("\n") == 1


def test_the_cluster_checks_its_config_by_the_crawls_own_rules(cluster_inputs, tmp_path) -> None:
    """crawl_plan.plan_crawl, as `crawl.py --check` and the crawl run: an output folder that cannot
    be made is one line and exit 2 before any task starts (it was a traceback from a task, exit 1)."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    config = tmp_path / "unwritable.yaml"
    config.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "a-file" / "out"), "sources": [str(cluster_inputs)],
                                      "target": 5}), encoding="utf-8")
    done = _run_cluster(config)
    assert done.returncode == 2, done.stderr[-2000:]
    folder = tmp_path / "a-file"
    assert done.stderr == f"error: {config}: output_dir: {folder / 'out'}: {folder} is a file, not a folder\n"
    assert not (tmp_path / "a-file").is_dir()


@pytest.mark.slow
def test_ray_executor_on_a_local_ray(cluster_inputs, tmp_path) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'tandem[ray]')")
    probe = subprocess.run([sys.executable, "-c", "import ray; ray.init(num_cpus=2, include_dashboard=False); "
                            "ray.shutdown()"], capture_output=True, text=True, timeout=90)
    if probe.returncode != 0:
        pytest.skip(f"a local Ray {ray.__version__} does not start here: {probe.stderr.strip().splitlines()[-1:]}")
    config = _config(tmp_path, cluster_inputs, target=30)
    done = _run_cluster(config, "--executor", "ray", "--tasks", "3", "--workers", "2", "--mem-per-cpu-gb", "0.5",
                        timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    _check_shards(tmp_path / "out", 30)
