"""The crawl's typed config (`configs/crawl_config.yaml`), grouped by concern.

docs/shards.md and the README fix `seeds`, `allowed_domains`, `allow_private_networks`, `output_dir` and
`local_sources`; the rest are this crawler's knobs. The text side's settings (extraction,
quality filters, dedup) are nested from their own modules so each keeps its defaults.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from tandem.common.typed_config import bounded
from tandem.crawl.fetching.urls import InvalidURL, canonicalize
from tandem.crawl.sources.source_config import SourceSettings, source_settings
from tandem.crawl.text.dedup import DedupSettings
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.prefilter import PrefilterSettings
from tandem.crawl.text.quality import QualitySettings


@dataclass
class FetchSettings:
    user_agent: str = field(
        default="tandem-crawler/0.1 (+https://github.com/tandem-kit/tandem; crawler contact)",
        metadata={"help": (
            "The User-Agent header, also the name robots.txt rules are matched against. Put your "
            "own crawler name and a contact URL here before crawling the web, so a site owner can "
            "reach you.")})
    connect_timeout_s: float = field(default=10.0, metadata={"help": (
        "Seconds to wait for a TCP connection to open.")})
    read_timeout_s: float = field(default=20.0, metadata={"help": (
        "Seconds to wait for the next bytes of a response before giving up on it; also each read "
        "of an http(s) source (a server that stops sending fails that input, and a resume tries "
        "it again).")})
    total_timeout_s: float = field(default=30.0, metadata={"help": (
        "Seconds one request may take in all, redirects and body included.")})
    max_bytes: int = field(default=2_000_000, metadata={"help": (
        "Largest body in bytes; bodies are streamed and abandoned past this size (at least 1024).")})
    max_redirects: int = field(default=5, metadata={"help": (
        "Redirect hops followed per URL; each hop is checked against the scope and robots.txt.")})
    content_types: list[str] = field(
        default_factory=lambda: ["text/html", "application/xhtml+xml"], metadata={"help": (
            "Content types fetched; other responses are refused before their body is read.")})
    max_retries: int = field(default=2, metadata={"help": (
        "Times a URL is retried after a timeout, a network error or a 429/503 before it counts "
        "as failed.")})

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
    per_host_concurrency: int = field(default=2, metadata={"help": (
        "Requests in flight to one host at a time. Keep it small on sites you do not own."),
        **bounded(high=64, why="connections to one host at once; more is an attack on the site, not a crawl")})
    min_delay_s: float = field(default=1.0, metadata={"help": (
        "Seconds between requests to one host; a robots.txt Crawl-delay raises it (up to "
        "`max_crawl_delay_s`).")})
    obey_robots: bool = field(default=True, metadata={"help": (
        "Fetch and obey each host's robots.txt (Disallow rules and Crawl-delay) for `fetch.user_agent`.")})
    max_crawl_delay_s: float = field(default=30.0, metadata={"help": (
        "A robots.txt Crawl-delay above this many seconds is capped to it (a site asking for an "
        "hour per page).")})
    retry_after_cap_s: float = field(default=300.0, metadata={"help": (
        "A 429/503 answer pauses the whole host for its Retry-After, up to this many seconds.")})

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1:
            raise ValueError("per_host_concurrency: must be at least 1")
        if self.min_delay_s < 0 or self.max_crawl_delay_s < 0 or self.retry_after_cap_s < 0:
            raise ValueError("min_delay_s: delays must be 0 or more")


@dataclass
class SitemapSettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Read each host's sitemaps (the `Sitemap:` lines of its robots.txt, else `/sitemap.xml`; "
        "sitemap index files and gzip too) and queue the pages they list, so pages that no link "
        "reaches (navigation built by JavaScript) are crawled. Listed pages pass the same scope, "
        "robots.txt and address checks as links, at depth 1.")})
    guess_default: bool = field(default=True, metadata={"help": (
        "When robots.txt names no sitemap, try `/sitemap.xml`.")})
    max_bytes: int = field(default=50 * 1024 * 1024, metadata={"help": (
        "Bytes read of one sitemap file, after gunzip (the sitemaps protocol allows 50 MB); a "
        "longer file is read up to here (at least 1024).")})
    max_files: int = field(default=100, metadata={"help": (
        "Sitemap files read per host, index files included.")})

    def __post_init__(self) -> None:
        if self.max_bytes < 1024:
            raise ValueError("max_bytes: must be at least 1024")
        if self.max_files < 1:
            raise ValueError("max_files: must be at least 1")


@dataclass
class ScopeSettings:
    max_depth: int = field(default=10, metadata={"help": (
        "Link hops followed from a seed (seeds are depth 0); links on pages at this depth are not "
        "followed.")})
    max_pages_per_host: int = field(default=100_000, metadata={"help": (
        "URLs queued per host at most; further links to that host are refused (host_limit).")})

    def __post_init__(self) -> None:
        if self.max_depth < 0:
            raise ValueError("max_depth: must be 0 or more")
        if self.max_pages_per_host < 1:
            raise ValueError("max_pages_per_host: must be at least 1")


@dataclass
class OutputSettings:
    shard_size: int = field(default=1000, metadata={"help": (
        "Samples per shard file (`shards/shard-NNNNNN.jsonl`).")})
    flush_interval_s: float = field(default=30.0, metadata={"help": (
        "Seconds after which a partial shard is committed anyway, so a trainer following the "
        "crawl is fed even when pages arrive slowly (and a crash loses at most this much work).")})

    def __post_init__(self) -> None:
        if self.shard_size < 1:
            raise ValueError("shard_size: must be at least 1")
        if self.flush_interval_s <= 0:
            raise ValueError("flush_interval_s: must be more than 0")


@dataclass
class CrawlConfig:
    seeds: list[str] = field(default_factory=list, metadata={"help": (
        "Start URLs (http or https). Use sites you are allowed to crawl; `--seeds URL ...` "
        "replaces this list.")})
    allowed_domains: list[str] = field(default_factory=list, metadata={"help": (
        "Hosts the crawl may visit, subdomains included; empty means the seeds' hosts.")})
    allow_private_networks: bool = field(default=False, metadata={"help": (
        "Allow private, loopback and link-local addresses (also names resolving to them). Only "
        "for a site served on your own machine or network, such as the demo and the tests.")})
    private_address_allowlist: list[str] = field(default_factory=list, metadata={"help": (
        "Private addresses or networks (`10.0.0.5`, `192.168.1.0/24`) the crawl may connect to "
        "although `allow_private_networks` is false, such as your own wiki; every other private, "
        "loopback and link-local address stays refused, also when a redirect or a DNS name leads "
        "there. Name the address in the seed (a name is checked once resolved).")})
    output_dir: Path = field(default=Path("data/crawl"), metadata={"help": (
        "Where shards, the SQLite frontier, stats.json and the resolved config go; `--output-dir` "
        "overrides. A resumed crawl continues here.")})
    sources: list[str | SourceSettings] = field(default_factory=list, metadata={"help": (
        "Used with `--no-web-crawl`: what to read instead of the web, each a folder, file, glob or "
        "URL (https://, s3://, hf://) of .txt, .html, .jsonl, .parquet, WARC or WET files, or a "
        "mapping with `path` and reading settings (text field, Hub config and split, fsspec "
        "options); see docs/crawl-sources.md. Put through the same filters and dedup.")})
    local_sources: list[Path] = field(default_factory=list, metadata={"help": (
        "The former name of `sources` (local folders and files only), still read: its entries are "
        "read first, then those of `sources`.")})
    target: int = field(default=10_000, metadata={"help": (
        "Kept samples to end with, exactly (fewer only when every source runs dry). `--target` "
        "(`--crawl-target` of `invoke parallel`) overrides it when given.")})
    workers: int = field(default=4, metadata={"help": (
        "Concurrent fetches in total, across all hosts. With `--no-web-crawl`: processes that read "
        "and analyse the sources' files side by side (at most one per file and per core). "
        "`--workers` (`--crawl-workers` of `invoke parallel`) overrides it when given."),
        **bounded(high=1024, why=(
            "each worker is a thread with its own connections and buffers, or a process with its "
            "own memory: more exhausts memory and file descriptors long before it speeds anything up"))})
    progress_interval_s: float = field(default=5.0, metadata={"help": (
        "Seconds between progress lines on stdout (the crawl log).")})
    max_record_bytes: int = field(default=4_000_000, metadata={"help": (
        "With `--no-web-crawl`: the largest record read from a source, in bytes (a JSONL line, a "
        "WARC record's body, a .txt or .html file). A longer one is read past in pieces, never "
        "held whole (a 200 MB line, a gzip bomb), and dropped as `record_too_long`. At least 1024.")})
    fetch: FetchSettings = field(default_factory=FetchSettings, metadata={"help": (
        "How pages are fetched: User-Agent, timeouts, size and redirect limits, retries.")})
    politeness: PolitenessSettings = field(default_factory=PolitenessSettings, metadata={"help": (
        "How gently each host is treated: concurrency, delay, robots.txt, Retry-After.")})
    sitemaps: SitemapSettings = field(default_factory=SitemapSettings, metadata={"help": (
        "Which sitemaps are read to find pages that links do not reach.")})
    scope: ScopeSettings = field(default_factory=ScopeSettings, metadata={"help": (
        "How far the crawl follows links.")})
    output: OutputSettings = field(default_factory=OutputSettings, metadata={"help": (
        "How kept samples are written to shards.")})
    prefilter: PrefilterSettings = field(default_factory=PrefilterSettings, metadata={"help": (
        "The cheap Japanese pre-filter on the raw bytes of file and remote sources, before "
        "decoding and extraction.")})
    extract: ExtractSettings = field(default_factory=ExtractSettings, metadata={"help": (
        "How the main text is cut out of a page's HTML.")})
    quality: QualitySettings = field(default_factory=QualitySettings, metadata={"help": (
        "Japanese quality filters (Swallow corpus v1 and llm-jp-corpus v1), each with its own "
        "switch and drop reason in stats.json.")})
    dedup: DedupSettings = field(default_factory=DedupSettings, metadata={"help": (
        "Exact and near-duplicate detection (MinHash LSH on character n-grams).")})

    def __post_init__(self) -> None:
        if self.target < 1:
            raise ValueError("target: must be at least 1")
        if self.workers < 1:
            raise ValueError("workers: must be at least 1")
        if self.progress_interval_s <= 0:
            raise ValueError("progress_interval_s: must be more than 0")
        if self.max_record_bytes < 1024:
            raise ValueError("max_record_bytes: must be at least 1024")
        for index, network in enumerate(self.private_address_allowlist):
            try:
                ipaddress.ip_network(str(network), strict=False)
            except ValueError:
                raise ValueError(f"private_address_allowlist[{index}]: not an IP address or network: "
                                 f"{network!r}") from None
        for index, entry in enumerate(self.sources):
            if isinstance(entry, str) and not entry.strip():
                raise ValueError(f"sources[{index}]: must name a folder, file, glob or URL")
        for index, seed in enumerate(self.seeds):
            try:
                canonical = canonicalize(seed)
            except InvalidURL as exc:
                raise ValueError(f"seeds[{index}]: not a URL ({exc})") from None
            if not canonical.startswith(("http://", "https://")):
                raise ValueError(f"seeds[{index}]: only http and https URLs can be crawled, got {seed!r}")

    def source_list(self) -> list[SourceSettings]:
        """`local_sources` then `sources`, each as settings (a plain string is a path)."""
        return [source_settings(str(p)) for p in self.local_sources] + [source_settings(s) for s in self.sources]
