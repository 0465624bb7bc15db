"""`python -m tandem`: the `tandem` command (tandem/app/tandem_cli.py)."""

from tandem.app.tandem_cli import run

run()
