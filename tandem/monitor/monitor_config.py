"""`monitor:` in `parallel.yaml`: how often processes are sampled and when to warn."""

from __future__ import annotations

from dataclasses import dataclass, field

from tandem.common.typed_config import check_range


@dataclass
class MonitorSettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Sample each process's CPU, memory (RSS) and I/O into the run's resources.jsonl; the "
        "report's resource figures and plots come from it.")})
    interval_s: float = field(default=5.0, metadata={"help": "Seconds between samples."})
    min_free_disk_gb: float = field(default=5.0, metadata={"help": (
        "Warn in the supervisor log when a watched path's disk has less free space than this "
        "many GB (a full disk mid-run is how checkpoints get lost).")})
    min_free_memory_gb: float = field(default=1.0, metadata={"help": (
        "Warn in the supervisor log when available memory falls below this many GB.")})
    watch_paths: list[str] = field(default_factory=lambda: ["data", "outputs", "logs"], metadata={"help": (
        "Folders whose disks are checked for free space, relative to where the supervisor runs.")})
    gpu: bool = field(default=True, metadata={"help": (
        "Also sample GPU memory and utilisation per process through NVML when there is an "
        "NVIDIA GPU.")})

    def __post_init__(self) -> None:
        check_range("interval_s", self.interval_s, 0, 3600, low_open=True)
        check_range("min_free_disk_gb", self.min_free_disk_gb, 0, 1e9)  # 1e9 GB: "always warn"
        check_range("min_free_memory_gb", self.min_free_memory_gb, 0, 1e9)
