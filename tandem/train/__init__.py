"""The trainer: causal-LM training on the crawl's shards with exact resume (docs/training.md).
It never imports the crawl: the two meet only in the shards on disk (docs/shards.md)."""

import logging

# bitsandbytes' CPU backend tries, on import, to fetch an optional kernel from the hub and warns
# when it cannot (never here: no hub at run time); its own fallback kernels are used instead.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
