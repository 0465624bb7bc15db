"""The trainer: causal-LM training on the crawl's shards with exact resume (docs/training.md).
It never imports the crawl: the two meet only in the shards on disk (docs/shards.md)."""
