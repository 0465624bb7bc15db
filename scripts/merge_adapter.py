"""`python scripts/merge_adapter.py ADAPTER OUTPUT`: an adapter merged into its base (see --help)."""

from tandem.common.script_main import run_main
from tandem.train.merge_cli import main

if __name__ == "__main__":
    run_main(main)
