"""From a task's request to argv lists, environments and resources — every check that can fail on
bad input, done before anything is written or started (one line, exit 2)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tandem.contracts.child_protocol import ENV_AUTO_RESUME, ENV_ERROR_FILE, ENV_PROCESS, ENV_RUN_ID, ENV_STATUS_FILE
from tandem.contracts.run_record import ProcessResources
from tandem.contracts.upstream import ENV_UPSTREAM_FILE
from tandem.supervisor.argv_template import TemplateError, expand
from tandem.supervisor.resources import ResourceError, available_cpus, can_pin, plan_resources, thread_environment
from tandem.supervisor.supervisor_config import ProcessSpec, SupervisorSettings

# The one placeholder the supervisor fills itself: `--no-auto-resume` at the run's first start
# when the run starts afresh, nothing at a restart (a restart always resumes).
FRESH_START = "no_auto_resume"
FRESH_START_FLAG = "--no-auto-resume"


@dataclass
class SupervisorRequest:
    """What a task asked for: which config, which of its processes, and the flag values."""

    config_path: Path
    kind: str  # "parallel", or the one process run alone ("train", "crawl")
    only: list[str] | None = None
    # Values of the task's flags; None: not given (the items that use it vanish, argv_template).
    placeholders: dict[str, str | None] = field(default_factory=dict)
    # False: a fresh start (`--no-auto-resume`), which applies once, at the run's start.
    auto_resume: bool = True
    # Flags passed on only when given: an argv item that is exactly `{name}` becomes these items
    # (none when not given), so a foreign script never sees a flag it does not know.
    switches: dict[str, list[str]] = field(default_factory=dict)


class UsageError(Exception):
    """Bad input found before anything started: one line, exit 2."""


def resolve_commands(config: SupervisorSettings, request: SupervisorRequest,
                     restart: bool = False) -> dict[str, list[str]]:
    """Each process's argv at the run's start, or at any later restart (`restart`)."""
    names = request.only or [n for n, spec in config.processes.items() if spec.enabled]
    source = str(request.config_path)
    missing = [n for n in names if n not in config.processes]
    if missing:
        raise UsageError(f"{source}: processes.{missing[0]}: not defined (defined: "
                         f"{', '.join(config.processes)})")
    if not names:
        raise UsageError(f"{source}: processes: every process is disabled")
    return {name: resolve_argv(config.processes[name].command, request, f"{source}: processes.{name}.command",
                               restart)
            for name in names}


def resolve_preflights(config: SupervisorSettings, request: SupervisorRequest,
                       names: list[str]) -> dict[str, list[str]]:
    """The `preflight` commands of the processes that declare one."""
    source = str(request.config_path)
    return {name: resolve_argv(preflight, request, f"{source}: processes.{name}.preflight")
            for name in names if (preflight := config.processes[name].preflight) is not None}


def resolve_argv(template: list[str], request: SupervisorRequest, where: str, restart: bool = False) -> list[str]:
    fresh = [FRESH_START_FLAG] if not request.auto_resume and not restart else []
    try:
        argv = expand(template, {"python": sys.executable, **request.placeholders},
                      {**request.switches, FRESH_START: fresh})
    except TemplateError as exc:
        raise UsageError(f"{where}{exc}") from None
    if not argv:
        raise UsageError(f"{where}: nothing left to run once the flags that were not given are left out")
    check_program(argv, where)
    return argv


def plan_child_resources(config: SupervisorSettings, request: SupervisorRequest,
                         names: list[str]) -> dict[str, ProcessResources]:
    try:
        return plan_resources({n: config.processes[n].resources for n in names}, available_cpus(),
                              pinning=can_pin())
    except ResourceError as exc:
        raise UsageError(f"{request.config_path}: {exc}") from None


def check_program(argv: list[str], where: str) -> None:
    program = argv[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not (Path(program).is_file() and os.access(program, os.X_OK)):
            raise UsageError(f"{where}: program {program!r} does not exist or is not executable")
    elif shutil.which(program) is None:
        raise UsageError(f"{where}: program {program!r} not found on PATH")
    is_python = Path(program).name.lower().startswith("python")
    if is_python and len(argv) > 1 and argv[1].endswith(".py") and not Path(argv[1]).is_file():
        raise UsageError(f"{where}: script {argv[1]!r} does not exist")


def check_writable(logs_dir: Path) -> None:
    try:
        (logs_dir / "runs").mkdir(parents=True, exist_ok=True)
        probe = logs_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{logs_dir}: log folder cannot be written ({exc.strerror or exc})") from None


def process_environment(spec: ProcessSpec, name: str, request: SupervisorRequest,
                        resources: ProcessResources) -> dict[str, str]:
    """What a process is told before there is a run (its pre-flight check sees this much): the
    supervisor's environment, its thread variables, the config's `env`, its name and whether it
    starts afresh."""
    env = dict(os.environ)
    env.update(thread_environment(resources))
    env.update(spec.env)
    env.update({ENV_PROCESS: name, ENV_AUTO_RESUME: "1" if request.auto_resume else "0"})
    return env


def child_environment(spec: ProcessSpec, name: str, run_id: str, run_dir: Path,
                      request: SupervisorRequest, resources: ProcessResources) -> dict[str, str]:
    """`process_environment` and the run's own files (child protocol)."""
    env = process_environment(spec, name, request, resources)
    env.update({
        ENV_RUN_ID: run_id,
        ENV_STATUS_FILE: str((run_dir / f"{name}.status.json").resolve()),
        ENV_UPSTREAM_FILE: str(upstream_path(run_dir, name).resolve()),
        ENV_ERROR_FILE: str((run_dir / f"{name}.error.json").resolve()),
    })
    return env


def upstream_path(run_dir: Path, name: str) -> Path:
    """Where `name` is told that a process it requires has failed (contracts.upstream)."""
    return run_dir / f"{name}.upstream.json"
