#!/usr/bin/env python
"""Train or fine-tune a causal LM on the crawl's shards (see `--help`, CONTRACT §8).

Exit status: 0 done, 1 failed, 2 bad config/flags/model/adapter, 130/143 stopped by a signal.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tandem.cli import run_main
from tandem.train.entry import main

if __name__ == "__main__":
    run_main(main)
