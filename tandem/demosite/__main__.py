"""`python -m tandem.demosite`: the demo site (tandem/demosite/demosite_cli.py), as `tandem demo` serves it."""

from tandem.demosite.demosite_cli import run

run()
