"""Helpers every test folder shares (importable as `support`: pytest puts `tests/` on the path)."""
