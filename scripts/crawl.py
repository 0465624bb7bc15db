"""`python scripts/crawl.py`: the crawl, as the console command `tandem-crawl` (see --help)."""

from tandem.common.script_main import run_main
from tandem.crawl.crawl_cli import main

if __name__ == "__main__":
    run_main(main)
