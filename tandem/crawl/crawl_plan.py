"""Everything about a crawl that can be known before it starts, found without starting it —
nothing is fetched (a remote source is only listed), created or written.

`plan_crawl` is the one set of rules for a crawl's config: `run_crawl` calls it first and runs
what it returns, and `crawl.py --check` (the supervisor's pre-flight for the crawl,
docs/configuration.md `preflight`) calls it and stops there. So the check accepts exactly what
the run accepts. A problem is a ConfigError (exit 2; the CLI names the flag that gave the value,
or the file and key, `tandem.common.overrides.blame`), or a SourceError with `usage` False when
a remote source cannot be listed at the moment (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tandem.common.typed_config import ConfigError
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.fetching.addresses import AddressPolicy
from tandem.crawl.fetching.urls import Scope, canonicalize, seed_hosts
from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.sources.inputs import InputFile, SourceError, resolve_inputs
from tandem.crawl.sources.source_config import SourceSettings
from tandem.fileio.folders import unwritable_reason


@dataclass
class CrawlPlan:
    """A checked crawl: from the web (`scope`) or from `sources` (their `inputs`, in order)."""

    web: bool
    ng_words: list[str]
    scope: Scope | None = None
    addresses: AddressPolicy | None = None
    sources: list[SourceSettings] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)

    def describe(self, config: CrawlConfig) -> str:
        what = (f"a web crawl from {len(config.seeds)} seed(s)" if self.web else
                f"a crawl of {len(self.sources)} source(s) ({len(self.inputs)} file(s))")
        return (f"crawl check passed: {what} to {config.target} samples with {config.workers} worker(s) "
                f"into {config.output_dir}")


def plan_crawl(config: CrawlConfig, *, web: bool, base_dir: Path | None = None) -> CrawlPlan:
    """The crawl `config` describes, checked; ConfigError (or SourceError) for the first problem."""
    plan = _web_plan(config) if web else _source_plan(config)
    if config.quality.check_ng_words:
        plan.ng_words = load_ng_words(config.quality.ngwords_file, base_dir)
    reason = unwritable_reason(config.output_dir)
    if reason is not None:
        raise ConfigError(f"output_dir: {config.output_dir}: {reason}")
    return plan


def _web_plan(config: CrawlConfig) -> CrawlPlan:
    if not config.seeds:
        raise ConfigError("seeds: nothing to crawl (give seeds in the config or --seeds URL ...)")
    addresses = AddressPolicy.from_config(config.allow_private_networks, config.private_address_allowlist)
    scope = Scope(config.allowed_domains or seed_hosts(config.seeds), addresses)
    refusals = {seed: scope.refusal(canonicalize(seed)) for seed in config.seeds}
    if all(refusals.values()):
        why = ", ".join(sorted({str(r) for r in refusals.values()}))
        raise ConfigError(f"seeds: every seed is out of scope ({why}; see allowed_domains, allow_private_networks)")
    return CrawlPlan(web=True, ng_words=[], scope=scope, addresses=addresses)


def _source_plan(config: CrawlConfig) -> CrawlPlan:
    sources = config.source_list()
    if not sources:
        raise ConfigError("sources: --no-web-crawl needs at least one folder, file or URL in sources "
                          "(or local_sources)")
    try:
        inputs = resolve_inputs(sources)
    except SourceError as exc:
        if exc.usage:
            raise ConfigError(str(exc)) from None
        raise
    return CrawlPlan(web=False, ng_words=[], sources=sources, inputs=inputs)
