"""Sharing one machine between the children: CPU sets, math-library threads and nice levels.

Two jobs on the same cores are slower together than apart when they fight: an OpenMP pool of N
spinning threads loses whole steps each time another process takes one of its cores. So each
process gets its own CPUs where the machine has enough of them, a thread count that matches the
CPUs it may use, and a nice level. The supervisor knows nothing of what the processes do; the
split comes from `resources` in `parallel.yaml` (`cpu_share`, explicit `cpus`, `nice`).

The plan is computed once per run (`plan_resources`), its thread counts go into each child's
environment, and `apply_resources` pins and renices a child right after it is started, before
it can start threads of its own; threads and processes it starts later inherit both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

import psutil

from tandem.contracts.run_record import ProcessResources, format_cpu_list
from tandem.supervisor.supervisor_config import ResourceSettings, parse_cpu_list

# `cpus: auto` pins only when every automatic process can get this many CPUs: on a smaller
# machine one pinned process could not use the other's idle core while that one waits.
AUTO_PIN_MIN_CPUS_PER_PROCESS = 2
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")


class ResourceError(ValueError):
    """A `resources` setting this machine cannot honour (a CPU it does not have)."""


def thread_environment(plan: ProcessResources) -> dict[str, str]:
    """The math libraries' thread variables for a process (none when its threads are unset)."""
    return {name: str(plan.threads) for name in THREAD_VARIABLES} if plan.threads else {}


def available_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity), or every CPU where there is no affinity."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    try:
        return sorted(psutil.Process().cpu_affinity())  # type: ignore[no-untyped-call]
    except (AttributeError, psutil.Error):  # macOS has no CPU affinity
        return list(range(os.cpu_count() or 1))


def can_pin() -> bool:
    return hasattr(os, "sched_setaffinity") or sys.platform == "win32"


def plan_resources(settings: Mapping[str, ResourceSettings], available: Sequence[int],
                   pinning: bool = True) -> dict[str, ProcessResources]:
    """Each process's CPUs, threads and nice level. Explicit `cpus` lists are taken as given;
    the `auto` processes share what is left by `cpu_share` (largest remainders first)."""
    pool = sorted(available)
    explicit = {name: _explicit_cpus(name, s.cpus, pool) for name, s in settings.items() if s.cpus != "auto"}
    taken = {cpu for cpus in explicit.values() if cpus for cpu in cpus}
    automatic = [name for name, s in settings.items() if s.cpus == "auto"]
    free = [cpu for cpu in pool if cpu not in taken] or pool
    split = (_split(free, {n: settings[n].cpu_share for n in automatic})
             if pinning and len(free) >= AUTO_PIN_MIN_CPUS_PER_PROCESS * max(1, len(automatic)) else {})
    plans = {}
    for name, setting in settings.items():
        cpus = explicit.get(name) if name in explicit else split.get(name)
        if not pinning or (cpus is not None and set(cpus) == set(pool)):
            cpus = None  # every CPU there is: nothing to pin
        usable = len(cpus) if cpus is not None else len(pool)
        threads = usable if setting.threads == "auto" else setting.threads
        plans[name] = ProcessResources(tuple(cpus) if cpus is not None else None, threads, setting.nice)
    return plans


def apply_resources(pid: int, cpus: Sequence[int] | None, nice: int) -> list[str]:
    """Pin and renice every thread the child has so far; returns what could not be done."""
    problems: list[str] = []
    try:
        thread_ids = [t.id for t in psutil.Process(pid).threads()] or [pid]
    except psutil.NoSuchProcess:
        return []  # already gone: its exit is the news, not its affinity
    except psutil.Error:
        thread_ids = [pid]
    if cpus is not None:
        problems += _each(thread_ids, lambda tid: _set_affinity(tid, list(cpus)), "CPU affinity")
    if nice:
        problems += _each(thread_ids, lambda tid: _set_nice(tid, nice), f"nice {nice}")
    return problems


def _explicit_cpus(name: str, value: str, pool: list[int]) -> list[int] | None:
    if value == "all":
        return None
    cpus = parse_cpu_list(value)
    missing = [cpu for cpu in cpus if cpu not in pool]
    if missing:
        raise ResourceError(f"processes.{name}.resources.cpus: CPU {missing[0]} is not available "
                            f"here (available: {format_cpu_list(pool)})")
    return cpus


def _split(cpus: list[int], shares: dict[str, float]) -> dict[str, list[int]]:
    """Contiguous blocks of `cpus` proportional to `shares`, at least one CPU each."""
    if not shares:
        return {}
    total = sum(shares.values())
    exact = {name: len(cpus) * share / total for name, share in shares.items()}
    counts = {name: max(1, int(value)) for name, value in exact.items()}
    by_remainder = sorted(shares, key=lambda n: (exact[n] - int(exact[n]), shares[n]), reverse=True)
    while sum(counts.values()) < len(cpus):
        for name in by_remainder:
            if sum(counts.values()) < len(cpus):
                counts[name] += 1
    while sum(counts.values()) > len(cpus):
        largest = max(counts, key=lambda n: counts[n])
        counts[largest] -= 1
    split, start = {}, 0
    for name in shares:
        split[name] = cpus[start:start + counts[name]]
        start += counts[name]
    return split


def _each(thread_ids: list[int], action: Callable[[int], None], what: str) -> list[str]:
    for tid in thread_ids:
        try:
            action(tid)
        except ProcessLookupError:
            continue  # that thread ended meanwhile
        except (OSError, psutil.Error) as exc:
            return [f"{what} not set ({exc})"]
    return []


def _set_affinity(tid: int, cpus: list[int]) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(tid, cpus)
    else:
        psutil.Process(tid).cpu_affinity(cpus)


def _set_nice(tid: int, nice: int) -> None:
    if hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, tid, nice)  # per thread on Linux, hence every thread
    else:
        # Windows has priority classes, not nice levels: any positive nice is "below normal".
        priority = "BELOW_NORMAL_PRIORITY_CLASS" if nice > 0 else "NORMAL_PRIORITY_CLASS"
        psutil.Process(tid).nice(getattr(psutil, priority))
