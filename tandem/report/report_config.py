"""`report:` in `parallel.yaml`: where the Markdown report goes and what it holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from tandem.common.typed_config import check_range


@dataclass
class ReportSettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Write the Markdown report at the end of every run (also after a failure or an "
        "interruption).")})
    docs_dir: str = field(default="_docs", metadata={"help": (
        "Folder of the reports, `YYYY-MM-DD_parallel_train_crawl.md` (a second run on the same "
        "day gets its own file).")})
    plots: bool = field(default=True, metadata={"help": (
        "Draw PNG plots (training loss, crawl samples over time, CPU/RSS per process) in a "
        "folder beside the report.")})
    log_tail_lines: int = field(default=30, metadata={"help": (
        "Last lines of a failed or restarted process's log quoted in the report.")})

    def __post_init__(self) -> None:
        check_range("log_tail_lines", self.log_tail_lines, 0, 10_000)
