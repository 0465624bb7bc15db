"""Sharing the machine: how `resources` in parallel.yaml becomes CPU sets, threads and nice."""

from __future__ import annotations

import pytest

from tandem.app.parallel_config import ParallelConfig
from tandem.common.typed_config import ConfigError, load_config
from tandem.contracts.run_record import ProcessResources, format_cpu_list
from tandem.supervisor.resources import ResourceError, plan_resources, thread_environment
from tandem.supervisor.supervisor_config import ResourceSettings, parse_cpu_list


def shares(**weights: float) -> dict[str, ResourceSettings]:
    return {name: ResourceSettings(cpu_share=weight) for name, weight in weights.items()}


def test_auto_splits_the_cpus_by_share_in_contiguous_blocks():
    plans = plan_resources(shares(train=3, crawl=1), list(range(8)))
    assert plans["train"] == ProcessResources(cpus=(0, 1, 2, 3, 4, 5), threads=6, nice=0)
    assert plans["crawl"] == ProcessResources(cpus=(6, 7), threads=2, nice=0)


def test_every_auto_process_gets_at_least_one_cpu_and_all_cpus_are_used():
    plans = plan_resources(shares(train=10, crawl=1, extra=1), list(range(6)))
    assert [len(p.cpus or ()) for p in plans.values()] == [4, 1, 1]
    assert sorted(c for p in plans.values() for c in p.cpus or ()) == list(range(6))


def test_a_small_machine_is_not_pinned_so_an_idle_core_is_never_stranded():
    plans = plan_resources(shares(train=3, crawl=1), [0, 1, 2])  # fewer than 2 CPUs per process
    assert all(p.cpus is None and p.threads == 3 for p in plans.values())


def test_explicit_lists_are_kept_and_auto_processes_share_the_rest():
    settings = {"train": ResourceSettings(cpus="0-3"), "crawl": ResourceSettings(), "io": ResourceSettings()}
    plans = plan_resources(settings, list(range(8)))
    assert plans["train"].cpus == (0, 1, 2, 3)
    assert plans["crawl"].cpus == (4, 5) and plans["io"].cpus == (6, 7)


def test_threads_and_nice_follow_the_settings():
    settings = {"train": ResourceSettings(cpus="all", threads=None), "crawl": ResourceSettings(threads=2, nice=5)}
    plans = plan_resources(settings, [0, 1])
    assert plans["train"] == ProcessResources(None, None, 0) and thread_environment(plans["train"]) == {}
    assert plans["crawl"] == ProcessResources(None, 2, 5)
    assert thread_environment(plans["crawl"]) == {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2",
                                            "OPENBLAS_NUM_THREADS": "2", "RAYON_NUM_THREADS": "2"}


def test_without_affinity_support_nothing_is_pinned():
    plans = plan_resources({"train": ResourceSettings(cpus="0")}, list(range(8)), pinning=False)
    assert plans["train"].cpus is None and plans["train"].threads == 8


def test_a_cpu_this_machine_lacks_names_the_key():
    with pytest.raises(ResourceError, match=r"processes.train.resources.cpus: CPU 9 is not available here"):
        plan_resources({"train": ResourceSettings(cpus="8-9")}, list(range(9)))


@pytest.mark.parametrize(("text", "cpus"), [("0", [0]), ("0-3,8", [0, 1, 2, 3, 8]), ("2, 0-1", [0, 1, 2])])
def test_cpu_lists_read_and_write_like_taskset(text, cpus):
    assert parse_cpu_list(text) == cpus
    assert parse_cpu_list(format_cpu_list(cpus)) == cpus


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("cpus: 3-1", "processes.train.resources.cpus: range '3-1' runs backwards"),
    ("cpus: some", "processes.train.resources.cpus: expected auto, all or a CPU list"),
    ("nice: 40", "processes.train.resources.nice: must be between -20 and 19"),
    ("threads: 0", "processes.train.resources.threads: must be at least 1"),
    ("threads: many", "processes.train.resources.threads: "),
    ("cpu_share: 0", "processes.train.resources.cpu_share: must be more than 0"),
])
def test_bad_resources_are_one_line_errors_naming_file_and_key(tmp_path, yaml_text, message):
    path = tmp_path / "parallel.yaml"
    path.write_text(f"processes:\n  train:\n    command: [prog]\n    resources: {{{yaml_text}}}\n")
    with pytest.raises(ConfigError) as error:
        load_config(ParallelConfig, path)
    assert str(error.value).startswith(f"{path}: {message}")
