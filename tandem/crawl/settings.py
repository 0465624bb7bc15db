"""The crawl's typed config (`configs/crawl_config.yaml`), grouped by concern.

CONTRACT §7 fixes `seeds`, `allowed_domains`, `allow_private_networks`, `output_dir` and
`local_sources`; the rest are this crawler's knobs. The text side's settings (extraction,
quality filters, dedup) are nested from their own modules so each keeps its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tandem.crawl.dedup import DedupSettings
from tandem.crawl.extract import ExtractSettings
from tandem.crawl.quality import QualitySettings
from tandem.crawl.urls import InvalidURL, canonicalize


@dataclass
class FetchSettings:
    # An honest User-Agent with a contact URL, so a site owner can reach whoever runs the crawl.
    user_agent: str = "tandem-crawler/0.1 (+https://github.com/tandem-kit/tandem; crawler contact)"
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 30.0
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    content_types: list[str] = field(default_factory=lambda: ["text/html", "application/xhtml+xml"])
    # Network errors and timeouts are retried this many times before the URL counts as failed.
    max_retries: int = 2

    def __post_init__(self) -> None:
        for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be more than 0")
        if self.max_bytes < 1024:
            raise ValueError("max_bytes: must be at least 1024")
        if self.max_redirects < 0 or self.max_retries < 0:
            raise ValueError("max_redirects: and max_retries must be 0 or more")
        if not self.user_agent.strip():
            raise ValueError("user_agent: must not be empty")


@dataclass
class PolitenessSettings:
    per_host_concurrency: int = 2
    min_delay_s: float = 1.0
    obey_robots: bool = True
    # A robots.txt Crawl-delay above this is capped (a site asking for an hour per page).
    max_crawl_delay_s: float = 30.0
    # 429/503 Retry-After is honoured up to this many seconds for the whole host.
    retry_after_cap_s: float = 300.0

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1:
            raise ValueError("per_host_concurrency: must be at least 1")
        if self.min_delay_s < 0 or self.max_crawl_delay_s < 0 or self.retry_after_cap_s < 0:
            raise ValueError("min_delay_s: delays must be 0 or more")


@dataclass
class ScopeSettings:
    max_depth: int = 10
    max_pages_per_host: int = 100_000

    def __post_init__(self) -> None:
        if self.max_depth < 0:
            raise ValueError("max_depth: must be 0 or more")
        if self.max_pages_per_host < 1:
            raise ValueError("max_pages_per_host: must be at least 1")


@dataclass
class OutputSettings:
    shard_size: int = 1000
    # A partial shard is committed after this long, so a trainer following the crawl is fed
    # even when pages arrive slowly (and a crash loses at most this much work).
    flush_interval_s: float = 30.0

    def __post_init__(self) -> None:
        if self.shard_size < 1:
            raise ValueError("shard_size: must be at least 1")
        if self.flush_interval_s <= 0:
            raise ValueError("flush_interval_s: must be more than 0")


@dataclass
class CrawlConfig:
    seeds: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    allow_private_networks: bool = False
    output_dir: Path = Path("data/crawl")
    local_sources: list[Path] = field(default_factory=list)
    target: int = 10_000
    workers: int = 4
    progress_interval_s: float = 5.0
    fetch: FetchSettings = field(default_factory=FetchSettings)
    politeness: PolitenessSettings = field(default_factory=PolitenessSettings)
    scope: ScopeSettings = field(default_factory=ScopeSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    quality: QualitySettings = field(default_factory=QualitySettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)

    def __post_init__(self) -> None:
        if self.target < 1:
            raise ValueError("target: must be at least 1")
        if self.workers < 1:
            raise ValueError("workers: must be at least 1")
        if self.progress_interval_s <= 0:
            raise ValueError("progress_interval_s: must be more than 0")
        for index, seed in enumerate(self.seeds):
            try:
                canonical = canonicalize(seed)
            except InvalidURL as exc:
                raise ValueError(f"seeds[{index}]: not a URL ({exc})") from None
            if not canonical.startswith(("http://", "https://")):
                raise ValueError(f"seeds[{index}]: only http and https URLs can be crawled, got {seed!r}")
