"""`launcher: torchrun | accelerate`: re-run this same script under the launcher, which starts
`nproc_per_node` workers per node (DDP). The workers find everything prepared (fresh start or
resume decided, tokenizer trained) and only train.

`os.execv` keeps the PID, so the supervisor's SIGTERM reaches the launcher, which passes it on.
"""

from __future__ import annotations

import os
import sys

from tandem.contracts.child_protocol import ENV_AUTO_RESUME
from tandem.train.train_config import DistributedSettings, Launcher

WORKER_ENV = "TANDEM_TRAIN_WORKER"


def is_worker(environ: dict[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get(WORKER_ENV) == "1"


def launcher_command(launcher: Launcher, dist: DistributedSettings, script_argv: list[str],
                     python: str = sys.executable) -> list[str] | None:
    """The argv that starts the workers; None when this process trains by itself."""
    if launcher == "python":
        return None
    host, _, port = (dist.rdzv_endpoint or "").rpartition(":")
    if launcher == "torchrun":
        command = [python, "-m", "torch.distributed.run", f"--nproc_per_node={dist.nproc_per_node}",
                   f"--nnodes={dist.nnodes}"]
        if dist.rdzv_endpoint is None:
            command.append("--standalone")  # one node, a free port picked for us
        else:
            command += ["--rdzv_backend=c10d", f"--rdzv_endpoint={dist.rdzv_endpoint}",
                        f"--node_rank={dist.node_rank}"]
        return [*command, *script_argv]
    command = [python, "-m", "accelerate.commands.launch",
               f"--num_processes={dist.nproc_per_node * dist.nnodes}", f"--num_machines={dist.nnodes}",
               f"--machine_rank={dist.node_rank}"]
    if dist.nproc_per_node * dist.nnodes > 1:
        command.append("--multi_gpu")
    if dist.rdzv_endpoint is not None:
        command += [f"--main_process_ip={host}", f"--main_process_port={port}"]
    return [*command, *script_argv]


def exec_workers(command: list[str]) -> None:
    """Replace this process with the launcher; its workers resume, never move anything aside."""
    env = {**os.environ, WORKER_ENV: "1", ENV_AUTO_RESUME: "1"}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, env)
