"""`python scripts/demo_site.py`: the demo site, as the console command `tandem-demo-site` (see --help)."""

from tandem.common.script_main import run_main
from tandem.demosite.demosite_cli import main

if __name__ == "__main__":
    run_main(main)
