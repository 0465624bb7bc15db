"""tandem's front door in a checkout: `invoke --list`, `invoke --help TASK`.

The tasks live in the package (tandem/app/tasks.py), so that the installed `tandem` command
(`tandem --list`) and `invoke` here run the same namespace; see docs/architecture.md,
"Installed, not only checked out".
"""

from tandem.app.tasks import ns

__all__ = ["ns"]
