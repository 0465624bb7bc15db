"""`python scripts/notify.py`: the end-of-run notification, as `tandem-notify` (see --help)."""

from tandem.app.notify_cli import main
from tandem.common.script_main import run_main

if __name__ == "__main__":
    run_main(main)
