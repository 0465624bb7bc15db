"""The crawl: collects clean Japanese text into JSONL shards (docs/shards.md), exactly up to a
target and resumably. `fetching` gets pages, `sources` reads local documents, `text` turns a
page into a sample or a named drop, `storage` keeps the result durable. It never imports the
trainer: the two meet only in the shards on disk."""
