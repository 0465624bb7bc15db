"""`python scripts/train.py`: the trainer, as the console command `tandem-train` (see --help)."""

from tandem.common.script_main import run_main
from tandem.train.train_cli import main

if __name__ == "__main__":
    run_main(main)
