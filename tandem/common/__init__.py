"""What every script of the kit shares: typed YAML configs with one-line errors, and the `main`
wrapper that turns them into exit 2."""
