"""`python -m tandem.crawl`: the crawl (tandem/crawl/crawl_cli.py), as the shipped configs start it."""

from tandem.crawl.crawl_cli import run

run()
