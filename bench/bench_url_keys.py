"""Frontier keys before and after a change to `canonicalize`, on the links of real HTML files.

A resumed crawl looks its links up by key in the frontier a previous version wrote, so a key that
changes means a page fetched twice. For every link of the HTML files under the given folders
(resolved against the file's place, as a crawl would), this prints how often the current
`canonicalize` gives the same key as the one at `--previous` (a git revision), whether every old
key is still its own key (a frontier's stored URLs), and examples of each kind of difference.

Run: .venv/bin/python bench/bench_url_keys.py --previous REV [--max-files N] [FOLDER ...]  (default /usr/share/doc)
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser as HTMLParser

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tandem.crawl.fetching.urls import canonicalize  # noqa: E402

URLS_MODULE = "tandem/crawl/fetching/urls.py"


def previous_canonicalize(revision: str) -> Callable[[str], str]:
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:{URLS_MODULE}"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("previous_urls")
    exec(compile(source, f"{revision}:{URLS_MODULE}", "exec"), module.__dict__)
    return module.canonicalize  # type: ignore[no-any-return]


def links_of(folders: list[Path], max_files: int, seed: int) -> list[str]:
    files = sorted(p for folder in folders for p in folder.rglob("*.htm*") if p.is_file())
    random.Random(seed).shuffle(files)
    links: list[str] = []
    for path in files[:max_files]:
        base = "http://docs.example" + path.as_posix()
        tree = HTMLParser(path.read_bytes().decode("utf-8", errors="replace"))
        links += [urljoin(base, node.attributes.get("href") or "") for node in tree.css("a[href]")]
    return links


def keys_of(links: list[str], function: Callable[[str], str]) -> tuple[list[str | None], float]:
    keys: list[str | None] = []
    started = time.perf_counter()
    for link in links:
        try:
            keys.append(function(link))
        except ValueError:  # InvalidURL, in both versions
            keys.append(None)
    return keys, time.perf_counter() - started


def kind_of(old: str, new: str) -> str:
    if "%EF%BF%BD" in old:
        return "non-UTF-8 escapes (were lost as U+FFFD)"
    if "%2F" in new.upper() and "%2F" not in old.upper().split("?")[0]:
        return "escaped slash kept"
    if "/." in old.split("?")[0]:
        return "dot segments removed"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("/usr/share/doc")])
    parser.add_argument("--previous", required=True, help="git revision of the canonicalize to compare with")
    parser.add_argument("--max-files", type=int, default=3000)
    args = parser.parse_args()
    old_canonicalize = previous_canonicalize(args.previous)
    links = links_of(args.folders, args.max_files, seed=0)
    old_keys, old_s = keys_of(links, old_canonicalize)
    new_keys, new_s = keys_of(links, canonicalize)
    same = changed = unchanged_keys = both_invalid = 0
    kinds: Counter[str] = Counter()
    examples: dict[str, tuple[str, str, str]] = {}
    for link, old, new in zip(links, old_keys, new_keys, strict=True):
        if old is None or new is None:
            both_invalid += old is None and new is None
            kinds["valid in one version only"] += (old is None) != (new is None)
            continue
        if old == new:
            same += 1
        else:
            changed += 1
            kind = kind_of(old, new)
            kinds[kind] += 1
            examples.setdefault(kind, (link, old, new))
        unchanged_keys += canonicalize(old) == old
    valid = same + changed
    print(f"url keys: {len(links)} links from {args.max_files} files at most under {', '.join(map(str, args.folders))}")
    print(f"  same key as {args.previous}: {same}/{valid} ({same / max(valid, 1):.4%})")
    print(f"  old keys that are still their own key (a stored frontier): {unchanged_keys}/{valid}"
          f" ({unchanged_keys / max(valid, 1):.4%})")
    print(f"  invalid in both versions: {both_invalid}")
    for kind, count in kinds.most_common():
        print(f"  changed, {kind}: {count}")
        if kind in examples:
            link, old, new = examples[kind]
            print(f"    e.g. {link!r}\n      old {old!r}\n      new {new!r}")
    print(f"  time per link: {old_s / len(links) * 1e6:.1f} us before, {new_s / len(links) * 1e6:.1f} us now "
          f"(ratio {new_s / old_s:.2f})")


if __name__ == "__main__":
    main()
