"""`crawl.py --check`: everything about a crawl that can be known before it starts, found
without starting it — nothing is fetched, created or written.

The supervisor runs it as the crawl's pre-flight command (docs/configuration.md, `preflight`), so
a mistake in a flag or the config stops the whole run with one line and exit 2 before any
process starts. A problem is a ConfigError naming the flag that gave the value, or the file and
key (`tandem.common.overrides.blame`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tandem.common.overrides import Override, blame
from tandem.common.typed_config import ConfigError
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.fetching.addresses import AddressPolicy
from tandem.crawl.fetching.urls import Scope, canonicalize, seed_hosts
from tandem.crawl.ngword_list import load_ng_words
from tandem.fileio.folders import unwritable_reason


def check_crawl(config: CrawlConfig, *, web: bool, source: str, overrides: Sequence[Override] = (),
                base_dir: Path | None = None) -> str:
    """One line describing the crawl that would run; ConfigError for the first problem."""

    def problem(text: str) -> ConfigError:
        return ConfigError(blame(text, source, overrides))

    if web:
        if not config.seeds:
            raise problem("seeds: nothing to crawl (give seeds in the config or --seeds URL ...)")
        addresses = AddressPolicy.from_config(config.allow_private_networks, config.private_address_allowlist)
        scope = Scope(config.allowed_domains or seed_hosts(config.seeds), addresses)
        refusals = {seed: scope.refusal(canonicalize(seed)) for seed in config.seeds}
        if all(refusals.values()):
            why = ", ".join(sorted({str(r) for r in refusals.values()}))
            raise problem(f"seeds: every seed is out of scope ({why}; see allowed_domains, "
                          "allow_private_networks)")
        what = f"a web crawl from {len(config.seeds)} seed(s)"
    else:
        if not config.local_sources:
            raise problem("local_sources: --no-web-crawl needs at least one folder or file in local_sources")
        for path in config.local_sources:
            if not path.exists():
                raise problem(f"local_sources: {path} does not exist")
        what = f"a crawl of {len(config.local_sources)} local source(s)"
    if config.quality.check_ng_words:
        try:
            load_ng_words(config.quality.ngwords_file, base_dir)
        except ConfigError as exc:
            raise problem(str(exc)) from None
    reason = unwritable_reason(config.output_dir)
    if reason is not None:
        raise problem(f"output_dir: {config.output_dir}: {reason}")
    return (f"crawl check passed: {what} to {config.target} samples with {config.workers} worker(s) "
            f"into {config.output_dir}")
