"""The trainer: causal-LM training on the crawl's shards with exact resume (CONTRACT §8)."""
