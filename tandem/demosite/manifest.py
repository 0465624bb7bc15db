"""`_manifest.json`: what the generator wrote — every page, its ground-truth main text, the
redirects and the broken links. The generator writes it, the server and the benchmarks read it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "_manifest.json"
MANIFEST_VERSION = 2  # 2: redirects and broken links; `demo_site.py serve` regenerates older sites


@dataclass
class PageRecord:
    path: str  # URL path, e.g. "/articles/0001.html"
    kind: str  # index | category | article | private | one of demokinds.SPECIAL_KINDS
    layout: str
    encoding: str  # the charset label the page declares (or the server sends)
    declaration: str  # header | meta | http-equiv | header+meta
    title: str
    main_text: str  # ground truth: the article body, one paragraph a line ("" for link pages)
    duplicate_of: str | None = None


@dataclass
class SiteManifest:
    root: str
    seed: int
    pages: list[PageRecord] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # URL path -> Location path (301)
    broken_links: list[str] = field(default_factory=list)  # site paths linked from pages, all 404
    version: int = MANIFEST_VERSION

    @property
    def start_path(self) -> str:
        return "/index.html"

    def by_path(self) -> dict[str, PageRecord]:
        return {page.path: page for page in self.pages}

    def ground_truth(self, base_url: str) -> dict[str, str]:
        """URL → main text (one paragraph a line) for every page that has prose."""
        base = base_url.rstrip("/")
        return {base + page.path: page.main_text for page in self.pages if page.main_text}

    def header_charsets(self) -> dict[str, str]:
        """URL path → charset for the pages whose charset the server must send."""
        return {p.path: p.encoding for p in self.pages if p.declaration.startswith("header")}


def load_manifest(root: Path) -> SiteManifest:
    data = json.loads((Path(root) / MANIFEST_NAME).read_text(encoding="utf-8"))
    return SiteManifest(root=data["root"], seed=data["seed"], pages=[PageRecord(**p) for p in data["pages"]],
                        redirects=data.get("redirects", {}), broken_links=data.get("broken_links", []),
                        version=data.get("version", 1))
