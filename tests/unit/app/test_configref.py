"""The configuration reference: current, complete, and rendered the way a user reads YAML."""

from __future__ import annotations

import dataclasses
import re
import types
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml
from support.paths import REPO

from tandem.app.configref import CONFIG_FILES, REQUIRED, ConfigFile, render_file, render_reference, walk
from tandem.common.typed_config import to_plain

COMMITTED = REPO / "docs" / "configuration.md"


def table_rows(markdown: str) -> dict[str, list[str]]:
    """Each table row's cells by its key (backticks stripped, `\\|` unescaped)."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| `"):
            cells = [c.strip().strip("`").replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0]] = cells[1:]
    return rows


def all_fields(cls: type, prefix: str = "") -> list[tuple[str, dataclasses.Field[Any]]]:
    """Every field reachable from `cls`, found independently of the module under test."""
    found = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = f"{prefix}{f.name}"
        found.append((key, f))
        hint = hints[f.name]
        candidates = [hint]
        if get_origin(hint) in (Union, types.UnionType):
            candidates = list(get_args(hint))
        elif get_origin(hint) is dict:
            candidates = [get_args(hint)[1]]
            key += ".NAME"
        for candidate in candidates:
            if dataclasses.is_dataclass(candidate):
                found += all_fields(candidate, key + ".")  # type: ignore[arg-type]
    return found


def test_committed_reference_is_current() -> None:
    assert COMMITTED.is_file(), "docs/configuration.md is missing: run `make config-reference`"
    assert COMMITTED.read_text(encoding="utf-8") == render_reference(), (
        "docs/configuration.md is stale (a config field or its help changed): run `make config-reference`")


def test_every_config_field_has_help() -> None:
    missing = [f"{config.path}: {key}" for config in CONFIG_FILES for key, f in all_fields(config.root)
               if not str(f.metadata.get("help", "")).strip()]
    assert missing == [], "fields without field(metadata={'help': ...}):\n" + "\n".join(missing)


def test_reference_documents_known_keys_with_types_and_defaults() -> None:
    rows = table_rows(render_reference())
    assert rows["restart.max_restarts"][:2] == ["int", "3"]
    assert rows["politeness.min_delay_s"][:2] == ["float", "1.0"]
    assert rows["training.max_steps"][:2] == ["int", "100"]
    assert rows["processes.NAME.command"][:2] == ["list[str]", REQUIRED]
    assert rows["processes.NAME.progress_pattern"][:2] == ["str or null", "null"]
    assert rows["adapter"][:2] == ["one of none|lora|so8", "none"]
    assert rows["output_dir"][:2] == ["path", "outputs/run"]
    assert rows["fetch.content_types"][1] == "[text/html, application/xhtml+xml]"
    assert rows["model.init.vocab_size"][:2] == ["int", "2000"]
    assert "User-Agent" in rows["fetch.user_agent"][2]


def test_every_row_has_help_and_a_default_that_loads_back_as_the_real_one() -> None:
    for config in CONFIG_FILES:
        defaults = {key: f for key, f in all_fields(config.root)}
        for group in walk(config.root):
            for row in group.rows:
                assert row.help, row.key
                if row.default == REQUIRED:
                    continue
                f = defaults[row.key]
                real = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
                assert yaml.safe_load(row.default) == to_plain(real), row.key


def test_odd_field_types_render_readably() -> None:
    @dataclass
    class Odd:
        tags: set[int] = field(default_factory=lambda: {1}, metadata={"help": "a set | with a pipe"})
        when: int | Literal["auto"] = field(default="auto", metadata={"help": "a number or auto"})
        mode: Literal["fast", "slow"] | None = field(default=None, metadata={"help": "a mode"})
        weights: dict[str, float] = field(default_factory=dict, metadata={"help": "weights"})
        anything: Any = field(default=None, metadata={"help": "anything"})
        ratio: complex = field(default=1j, metadata={"help": "no YAML for this"})

    @dataclass
    class Unresolvable:
        ghost: NoSuchType = field(default=None, metadata={"help": "a typo'd annotation"})  # noqa: F821

    rows = table_rows(render_file(ConfigFile("odd.yaml", Odd, "odd types")))
    assert rows["tags"][:2] == ["set[int]", "[1]"]
    assert rows["tags"][2] == "a set | with a pipe"
    assert rows["when"][:2] == ['int or "auto"', "auto"]
    assert rows["mode"][:2] == ["one of fast|slow or null", "null"]
    assert rows["weights"][:2] == ["dict[str, float]", "{}"]
    assert rows["anything"][0] == "any"
    assert rows["ratio"][:2] == ["complex", "1j"]
    assert table_rows(render_file(ConfigFile("u.yaml", Unresolvable, "")))["ghost"][0] == "NoSuchType"


def test_nested_groups_are_headed_by_their_dotted_prefix() -> None:
    text = render_reference()
    for heading in ("processes.NAME", "restart", "politeness", "quality", "model.init", "training", "distributed"):
        assert f"\n### `{heading}`\n" in text
    assert "Optional (default: null)." in text  # model.init
