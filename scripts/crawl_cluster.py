"""`python scripts/crawl_cluster.py`: the crawl's file-source pipeline on datatrove (see --help)."""

from tandem.common.script_main import run_main
from tandem.crawl.cluster.cluster_cli import main

if __name__ == "__main__":
    run_main(main)
