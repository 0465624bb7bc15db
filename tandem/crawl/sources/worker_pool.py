"""`workers: N` on file sources: N processes read and analyse disjoint inputs; one keeper decides.

Each worker takes the next unfinished input (a shared counter), reads it from its saved
position, runs the pre-filter, decoding, extraction and quality filters, and sends the verdicts
in batches. Only the crawl's own process keeps records, so exact and near dedup and the exact
target are decided in one place, in arrival order, exactly as with one process; the resume
cursor works per input, so it does not matter which worker read what.

Workers are forked (they inherit the loaded modules and the config), ignore Ctrl-C (the crawl
stops them), die with the crawl on Linux (PR_SET_PDEATHSIG, so a kill -9 of the crawl leaves
none behind), and are stopped when the target is reached.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from tandem.common.script_main import timestamped
from tandem.crawl.sources.analysis import Verdict
from tandem.crawl.sources.cursor import SourceCursor
from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.feed import Idle, InputEnd, Message, Pending, pending_inputs, read_one_input
from tandem.crawl.sources.inputs import InputFile
from tandem.crawl.sources.opening import DEFAULT_LIMITS
from tandem.crawl.sources.read_limits import ReadLimits
from tandem.crawl.sources.source_config import SourceSettings

BATCH_DOCUMENTS = 64
BATCH_SECONDS = 0.2
POLL_S = 0.5
STOP_GRACE_S = 5.0
_PR_SET_PDEATHSIG = 1


class _WorkerExit:
    def __init__(self, worker: int) -> None:
        self.worker = worker


def usable_workers(requested: int, inputs: int) -> int:
    """No more processes than inputs to share out, nor than cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested, inputs, cores))


def process_feed(
    inputs: list[InputFile], sources: list[SourceSettings], cursor: SourceCursor,
    make_analyzer: Callable[[], Callable[[LocalDocument], Verdict]], workers: int,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Message]:
    context = multiprocessing.get_context("fork")
    todo = pending_inputs(inputs, cursor)
    next_task = context.Value("i", 0)
    results = context.Queue(maxsize=4 * workers)
    parent = os.getpid()
    processes = [
        context.Process(target=_work, name=f"crawl-worker-{n}", daemon=True,
                        args=(n, parent, todo, next_task, results, inputs, sources, make_analyzer, limits))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    running = set(range(workers))
    try:
        while running:
            try:
                batch = results.get(timeout=POLL_S)
            except queue.Empty:
                for n in list(running):
                    if not processes[n].is_alive():  # died without saying goodbye (OOM, signal)
                        running.discard(n)
                        print(timestamped(f"worker {n} died (exit {processes[n].exitcode}); the inputs it was "
                                          "reading are read again by the next run", "ERROR"),
                              file=sys.stderr, flush=True)
                yield Idle()
                continue
            for message in batch:
                if isinstance(message, _WorkerExit):
                    running.discard(message.worker)
                else:
                    yield message
    finally:
        _stop(processes)
        results.cancel_join_thread()
        results.close()


def _stop(processes: list[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _work(
    worker: int, parent: int, todo: list[Pending], next_task: Any, results: Any,
    inputs: list[InputFile], sources: list[SourceSettings],
    make_analyzer: Callable[[], Callable[[LocalDocument], Verdict]], limits: ReadLimits,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    analyse = make_analyzer()
    batch: list[Any] = []
    last_send = time.monotonic()
    while True:
        with next_task.get_lock():
            task = next_task.value
            next_task.value += 1
        if task >= len(todo):
            break
        for message in read_one_input(todo[task], inputs, sources, analyse, limits):
            batch.append(message)
            if isinstance(message, InputEnd) or len(batch) >= BATCH_DOCUMENTS \
                    or time.monotonic() - last_send >= BATCH_SECONDS:
                _send(results, batch, parent)
                batch, last_send = [], time.monotonic()
    batch.append(_WorkerExit(worker))
    _send(results, batch, parent)


def _send(results: Any, batch: list[Any], parent: int) -> None:
    while True:
        try:
            results.put(batch, timeout=1.0)
            return
        except queue.Full:
            if os.getppid() != parent:  # the crawl is gone: nobody will read this
                os._exit(0)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel sends SIGKILL to this worker when the crawl process dies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the call above took effect
        os._exit(0)
