"""`launcher: torchrun | accelerate`: re-run this same script under the launcher, which starts
`nproc_per_node` workers on this machine (DDP). The workers find everything prepared (fresh
start or resume decided, tokenizer trained) and only train.

Across machines (docs/training.md), node 0 prepares `output_dir` and hosts the rendezvous; every
other node waits until node 0's rendezvous port answers before it starts its launcher, so that
it never times out while node 0 is still waiting for data or training the tokenizer.

`os.execve` keeps the PID, so the supervisor's SIGTERM reaches the launcher, which passes it on,
and the output_dir lock taken before it stays held by the launcher (see `FileLock.keep_across_exec`).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections.abc import Callable

from tandem.contracts.child_protocol import ENV_AUTO_RESUME
from tandem.train.train_config import DistributedSettings, Launcher

log = logging.getLogger(__name__)

WORKER_ENV = "TANDEM_TRAIN_WORKER"


def is_worker(environ: dict[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get(WORKER_ENV) == "1"


def launcher_command(launcher: Launcher, dist: DistributedSettings, script_argv: list[str],
                     python: str = sys.executable) -> list[str] | None:
    """The argv that starts the workers; None when this process trains by itself."""
    if launcher == "python":
        return None
    if launcher == "torchrun":
        return [python, "-m", "torch.distributed.run", *torchrun_flags(dist), *script_argv]
    _, high = dist.node_range
    command = [python, "-m", "accelerate.commands.launch",
               f"--num_processes={dist.nproc_per_node * high}", f"--num_machines={high}",
               f"--machine_rank={dist.node_rank}"]
    if dist.nproc_per_node * high > 1:
        command.append("--multi_gpu")
    if dist.rdzv_endpoint is not None:
        host, _, port = dist.rdzv_endpoint.rpartition(":")
        command += [f"--main_process_ip={host}", f"--main_process_port={port}"]
    if dist.max_restarts:
        command.append(f"--max_restarts={dist.max_restarts}")
    return [*command, *script_argv]


def torchrun_flags(dist: DistributedSettings) -> list[str]:
    """torchrun's own flags for these settings, as `torchrun --help` spells them."""
    low, high = dist.node_range
    flags = [f"--nproc_per_node={dist.nproc_per_node}", f"--nnodes={low}" if low == high else f"--nnodes={low}:{high}"]
    if dist.rdzv_endpoint is None:
        flags.append("--standalone")  # one node, a free port picked for us
    else:
        flags += [f"--rdzv_backend={dist.rdzv_backend}", f"--rdzv_endpoint={dist.rdzv_endpoint}"]
        if dist.rdzv_id is not None:
            flags.append(f"--rdzv_id={dist.rdzv_id}")
        if dist.rdzv_conf:
            flags.append("--rdzv_conf=" + ",".join(f"{key}={value}" for key, value in dist.rdzv_conf.items()))
        flags.append(f"--node_rank={dist.node_rank}")  # used by the static backend; c10d assigns ranks
    if dist.max_restarts:
        flags.append(f"--max_restarts={dist.max_restarts}")
    return flags


def wait_for_node_0(endpoint: str, should_stop: Callable[[], bool], on_wait: Callable[[str], object],
                    poll_s: float = 1.0, clock: Callable[[], float] = time.monotonic,
                    finished: Callable[[], bool] = lambda: False) -> bool:
    """Wait until node 0's rendezvous port accepts a connection; False when told to stop or when
    `finished()` says there is nothing left to train."""
    host, _, port = endpoint.rpartition(":")
    message = f"waiting for node 0 at {endpoint}"
    on_wait(message)
    log.info("%s (it prepares output_dir first)", message)
    last_said = clock()
    while not should_stop() and not finished():
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=poll_s):
                return True
        except OSError:
            time.sleep(poll_s)
        if clock() - last_said >= 60:
            log.info("%s (still)", message)
            on_wait(message)
            last_said = clock()
    return False


def exec_workers(command: list[str]) -> None:
    """Replace this process with the launcher; its workers resume, never move anything aside."""
    env = {**os.environ, WORKER_ENV: "1", ENV_AUTO_RESUME: "1"}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, env)
