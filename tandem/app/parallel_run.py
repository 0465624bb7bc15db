"""Every supervised run — `invoke parallel`, and `invoke train` or `crawl` alone: `parallel.yaml`
loaded, then the supervisor run with the resource monitor, the report and the notification
hooked in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tandem.app.parallel_config import ParallelConfig, load_parallel_config
from tandem.app.run_end import finish_recovered_run, finish_run
from tandem.common.typed_config import ConfigError, resolved_config_path, save_resolved
from tandem.contracts.run_record import RunRecord
from tandem.dashboard.beside_run import start_dashboard, stop_dashboard
from tandem.monitor import ResourceMonitor
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.launch_plan import SupervisorRequest
from tandem.supervisor.process import ProcessFactory
from tandem.supervisor.supervise import supervise


class SupervisedRunHooks:
    """What a supervised run (both processes, or one alone) gets from `parallel.yaml` beyond the
    supervisor's own keys."""

    def __init__(self, config: ParallelConfig) -> None:
        self.config = config
        self.dashboard: subprocess.Popen[bytes] | None = None

    def run_created(self, run_dir: Path) -> None:
        save_resolved(self.config, resolved_config_path(run_dir, "parallel"))
        if self.config.dashboard.enabled:
            self.dashboard = start_dashboard(self.config.dashboard, Path(self.config.logs_dir), run_dir.name)

    def make_monitor(self, run_dir: Path, events: EventLog) -> ResourceMonitor | None:
        if not self.config.monitor.enabled:
            return None
        return ResourceMonitor(self.config.monitor, run_dir / "resources.jsonl", events)

    def run_ended(self, record: RunRecord, events: EventLog) -> None:
        assert record.path is not None  # a record the supervisor created is always saved
        finish_run(record.path, self.config, events)
        stop_dashboard(self.dashboard)

    def recovered(self, record_path: Path, events: EventLog) -> None:
        finish_recovered_run(record_path, events)

    def watchdog_finish_argv(self) -> list[str]:
        return [sys.executable, "-m", "tandem.app.run_end"]


SET_SUFFIX = "_set"


def run_supervised(request: SupervisorRequest, factory: ProcessFactory | None = None) -> int:
    """The exit status of the whole run (docs/exit-codes.md)."""
    try:
        config = load_parallel_config(request.config_path)
        pass_sets_on(config, request)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return supervise(config, request, SupervisedRunHooks(config), factory)


def pass_sets_on(config: ParallelConfig, request: SupervisorRequest) -> None:
    """`--set` reaches a process through the item `{NAME_set}` of its command: every process's
    placeholder exists (empty when not given), and a `--set` that no command of the run would
    pass on is an error rather than silently ignored."""
    names = request.only or [n for n, spec in config.processes.items() if spec.enabled]
    for key, items in request.switches.items():
        name = key.removesuffix(SET_SUFFIX)
        if not items or not key.endswith(SET_SUFFIX):
            continue
        first = f"--set {name}.{items[1]}" if request.only is None else f"--set {items[1]}"
        if name not in names:
            raise ConfigError(f"{first}: no process {name!r} in this run (it has: {', '.join(names)})")
        if "{" + key + "}" not in config.processes[name].command:
            raise ConfigError(f"{first}: {request.config_path}: processes.{name}.command has no "
                              f"'{{{key}}}' item to pass --set on with")
    for name in config.processes:
        request.switches.setdefault(name + SET_SUFFIX, [])
