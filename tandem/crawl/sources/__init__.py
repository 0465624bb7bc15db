"""Documents that do not come from a live crawl: local folders and files (txt, html, jsonl,
WARC)."""
