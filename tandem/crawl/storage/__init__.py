"""What the crawl keeps on disk and how it stays exact across kill -9: the SQLite frontier, the
shard writer and the keeper that decides what becomes a sample."""
