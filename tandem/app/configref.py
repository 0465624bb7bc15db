"""The configuration reference (`docs/configuration.md`), rendered from the config dataclasses.

Every config field carries its help text as `field(metadata={"help": …})`; this module walks
the three config trees (parallel.yaml, crawl_config.yaml, training_config.yaml) and writes one
Markdown table per group of keys: dotted key, type, default as YAML shows it, and the help.
The words live in one place, the dataclasses, and a test keeps the committed file current.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from tandem.app.parallel_config import ParallelConfig
from tandem.common.typed_config import to_plain
from tandem.crawl.crawl_config import CrawlConfig
from tandem.train.train_config import TrainConfig

REQUIRED = "required"
HEADER = (
    "# Configuration reference\n\n"
    "Every key of the three configs, its type, default and meaning. Generated from the config\n"
    "dataclasses by `scripts/config_reference.py` (`make config-reference`); do not edit by hand.\n"
    "YAML gives the values and flags override them; an unknown key or a value of the wrong type\n"
    "is a one-line error naming the file and the key (exit 2).\n"
)


@dataclass(frozen=True)
class ConfigFile:
    path: str
    root: type
    about: str


CONFIG_FILES = (
    ConfigFile("configs/parallel.yaml", ParallelConfig,
               "What the supervisor runs (`invoke parallel`, `train`, `crawl`) and the policies "
               "around it: restarts, shutdown, resource monitor, report, notification."),
    ConfigFile("configs/crawl_config.yaml", CrawlConfig,
               "The crawl (`scripts/crawl.py`). Flags override: `--target`, `--workers`, "
               "`--seeds URL …`, `--output-dir`."),
    ConfigFile("configs/training_config.yaml", TrainConfig,
               "The trainer (`scripts/train.py`). Flags override: `--max-steps`, `--output-dir`. "
               "The original SO8T config shape is accepted too and converted."),
)


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    help: str


@dataclass(frozen=True)
class Group:
    """The keys of one dataclass under `prefix` (empty for the file's top level)."""

    prefix: str
    help: str
    note: str
    rows: tuple[Row, ...]


def render_reference(files: tuple[ConfigFile, ...] = CONFIG_FILES) -> str:
    parts = [HEADER]
    parts.append("\n".join(f"- [`{f.path}`](#{_anchor(f.path)})" for f in files) + "\n")
    for config_file in files:
        parts.append(render_file(config_file))
    return "\n".join(parts)


def render_file(config_file: ConfigFile) -> str:
    out = [f"## `{config_file.path}`\n", f"{config_file.about}\n"]
    for group in walk(config_file.root):
        if group.prefix:
            out.append(f"### `{group.prefix}`\n")
            intro = " ".join(part for part in (group.help, group.note) if part)
            if intro:
                out.append(f"{intro}\n")
        out.append(_table(group.rows))
    return "\n".join(out)


def walk(cls: type, prefix: str = "", help_text: str = "", note: str = "") -> Iterator[Group]:
    """The group of `cls`'s own keys, then each nested dataclass's groups, in field order."""
    hints = _type_hints(cls)
    rows: list[Row] = []
    nested: list[tuple[type, str, str, str]] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        hint = hints.get(f.name, f.type)
        key = f"{prefix}{f.name}"
        text = field_help(f)
        child = _nested_dataclass(hint)
        if child is not None:
            child_cls, kind = child
            default = _default_text(f)
            if kind == "mapping":
                nested.append((child_cls, f"{key}.NAME", text, f"One entry of these keys per name ({default})."))
            elif kind == "optional":
                nested.append((child_cls, key, text, f"Optional (default: {default})."))
            else:
                nested.append((child_cls, key, text, "Required." if default == REQUIRED else ""))
            continue
        rows.append(Row(key, describe_type(hint), _default_text(f), text))
    yield Group(prefix.rstrip("."), help_text, note, tuple(rows))
    for child_cls, key, text, child_note in nested:
        yield from walk(child_cls, key + ".", text, child_note)


def field_help(f: dataclasses.Field[Any]) -> str:
    text = str(f.metadata.get("help", "")).strip()
    high = f.metadata.get("max")
    return f"{text} At most {high:g}: {f.metadata.get('why', '')}." if high is not None else text


def describe_type(hint: Any) -> str:
    """A type as a user reads it: `int`, `list[str]`, `one of none|lora|so8`, `str or null`."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return "any"
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        words = [_literal_choice(a) if get_origin(a) is typing.Literal else describe_type(a) for a in options]
        if len(options) < len(args):
            words.append("null")
        return " or ".join(words)
    if origin is typing.Literal:
        return "one of " + "|".join(str(a) for a in args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + "|".join(str(m.value) for m in hint)
    if hint is Path:
        return "path"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(describe_type(a) for a in args)}]" if args else name
    if isinstance(hint, type):
        return hint.__name__
    return str(hint)  # an unresolved annotation: shown as written


def yaml_value(value: Any) -> str:
    """`value` as it would be written in the YAML file (flow style, one line)."""
    plain = to_plain(sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)
    try:
        text = yaml.safe_dump(plain, default_flow_style=True, allow_unicode=True, width=10_000)
    except yaml.YAMLError:  # a value YAML cannot hold (a field of an unsupported type)
        return str(value)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _default_text(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        return yaml_value(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return yaml_value(f.default_factory())
    return REQUIRED


def _nested_dataclass(hint: Any) -> tuple[type, str] | None:
    """(dataclass, "group" | "mapping" | "optional") when `hint` holds keys rather than a value."""
    if dataclasses.is_dataclass(hint):
        return hint, "group"  # type: ignore[return-value]
    origin, args = get_origin(hint), get_args(hint)
    if origin is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
        return args[1], "mapping"  # type: ignore[return-value]
    if origin in (Union, types.UnionType):
        classes = [a for a in args if dataclasses.is_dataclass(a)]
        if len(classes) == 1 and set(args) == {classes[0], type(None)}:
            return classes[0], "optional"  # type: ignore[return-value]
    return None


def _type_hints(cls: type) -> dict[str, Any]:
    try:
        return get_type_hints(cls)
    except (NameError, TypeError):  # an annotation that does not resolve: show it as written
        return {f.name: f.type for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


def _literal_choice(hint: Any) -> str:
    values = get_args(hint)
    return f'"{values[0]}"' if len(values) == 1 else "one of " + "|".join(map(str, values))


def _table(rows: tuple[Row, ...]) -> str:
    if not rows:
        return ""
    lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for row in rows:
        cells = [f"`{row.key}`", _code(row.type), _code(row.default), _cell(row.help)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text != REQUIRED else REQUIRED


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(path: str) -> str:
    return "".join(ch for ch in path.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")
