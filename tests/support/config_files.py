"""Test configs as dicts: the defaults of a fixture with a test's own sections on top."""

from __future__ import annotations

from typing import Any


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` on top, section by section: a mapping given for a mapping is merged into
    it (all the way down), anything else replaces what was there."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
