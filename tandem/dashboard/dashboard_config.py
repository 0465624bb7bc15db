"""`dashboard:` in `parallel.yaml`: the live page served beside a run (off by default)."""

from __future__ import annotations

from dataclasses import dataclass, field

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class DashboardSettings:
    enabled: bool = field(default=False, metadata={"help": (
        "Serve the live dashboard while the run goes on (a process of its own that ends with the "
        "run); `invoke dashboard` serves it by hand at any time.")})
    port: int = field(default=8765, metadata={"help": (
        "Port of the dashboard on 127.0.0.1; 0 takes any free one.")})

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("port: must be between 0 and 65535")
