"""`python scripts/report.py`: a run's report, as the console command `tandem-report` (see --help)."""

from tandem.app.report_cli import main
from tandem.common.script_main import run_main

if __name__ == "__main__":
    run_main(main)
