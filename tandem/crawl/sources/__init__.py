"""Documents that do not come from a live crawl: files and remote paths (txt, html, JSONL, Parquet,
WARC, WET; local, https://, s3://, hf://), each read from a resume position, in one process or
in worker processes (docs/crawl-sources.md)."""
