"""`configs/parallel.yaml` as a whole: the supervisor's processes and policies, plus the monitor,
the report and the notification that run around it. Composed here, above the packages it
names, so that none of them needs to know the others' settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.common.typed_config import load_config
from tandem.dashboard.dashboard_config import DashboardSettings
from tandem.notify.notify_config import NotifySettings
from tandem.report.report_config import ReportSettings
from tandem.supervisor.supervisor_config import SupervisorSettings


@dataclass
class ParallelConfig(SupervisorSettings):
    notify: NotifySettings = field(default_factory=NotifySettings, metadata={"help": (
        "The notification at the end of a run.")})
    report: ReportSettings = field(default_factory=ReportSettings, metadata={"help": (
        "The Markdown report at the end of a run.")})
    dashboard: DashboardSettings = field(default_factory=DashboardSettings, metadata={"help": (
        "The live dashboard in the browser while the run goes on (docs/service.md).")})


def load_parallel_config(path: Path | str, overrides: dict[str, Any] | None = None) -> ParallelConfig:
    return load_config(ParallelConfig, path, overrides)
