"""Config values from the command line: the scripts' flags and `--set KEY=VALUE`, typed by the
config dataclasses, with errors that name what the user typed.

A flag or `--set` replaces one key of the YAML file (Scrapy's `-s`, Hydra's `key=value`):
`--set training.max_steps=500`, `--set quality.min_chars=200`, `--set fetch.content_types=[text/html]`.
The dotted key is looked up in the dataclass tree, so a typo is refused before anything runs, and
the text after `=` is read by the field's type: a string, path or choice of strings is taken as
written (`--set output_dir=123` is the folder `123`); anything else is read as YAML (`8`,
`2.5e-4`, `true`, `null`, `[a, b]`) and checked like a value of the file.

A mistake names its origin: a bad value from a flag is `--target: must be at least 1`, one from
`--set` is `--set training.max_steps: expected an integer, …`, and only a value that came from
the file names the file and key.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import enum
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from tandem.common.typed_config import ConfigError, build, read_yaml_mapping, shown

T = TypeVar("T")

SET_FLAG = "--set"


@dataclass(frozen=True)
class Override:
    """One value given on the command line for the dotted `key` of a config."""

    key: str
    value: Any
    origin: str  # how the user gave it, for messages: `--target`, `--set target`


def flag_overrides(flags: Iterable[tuple[str, str, Any]]) -> list[Override]:
    """`(flag, key, value)` triples of a script's own flags; a value of None was not given."""
    return [Override(key, value, flag) for flag, key, value in flags if value is not None]


def parse_set(cls: type, text: str, flag: str = SET_FLAG) -> Override:
    """`KEY=VALUE` for the config dataclass `cls`, the value typed by the key's field."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"{flag} {text}: expected KEY=VALUE, e.g. {flag} training.max_steps=500")
    origin = f"{flag} {key}"
    hint = field_type(cls, key, origin)
    return Override(key, typed_value(hint, raw.strip(), origin), origin)


def parse_sets(cls: type, texts: Sequence[str] | None, flag: str = SET_FLAG) -> list[Override]:
    return [parse_set(cls, text, flag) for text in texts or ()]


def load_with_overrides(cls: type[T], path: Path | str, overrides: Sequence[Override]) -> T:
    """The YAML file at `path` with `overrides` applied on top, checked as a whole."""
    return apply_overrides(cls, read_yaml_mapping(Path(path)), str(path), overrides)


def apply_overrides(cls: type[T], data: Mapping[str, Any], source: str, overrides: Sequence[Override]) -> T:
    """Build `cls` from `data` (read from `source`) with `overrides` set; an error about a key
    that an override set names the override, not the file."""
    merged = copy.deepcopy(dict(data))
    for override in overrides:
        set_dotted(merged, override.key, override.value, override.origin)
    try:
        return build(cls, merged, source)
    except ConfigError as exc:
        raise ConfigError(_blame(str(exc), source, overrides)) from None


def _blame(message: str, source: str, overrides: Sequence[Override]) -> str:
    head = f"{source}: "
    return blame(message[len(head):], source, overrides) if message.startswith(head) else message


def blame(problem: str, source: str, overrides: Sequence[Override]) -> str:
    """`KEY: why` (typed_config's wording of every value error) as the user should read it:
    `ORIGIN: why` when an override gave KEY (or a key inside it), else `source: KEY: why`;
    a check across keys that an override took part in says so."""
    for override in reversed(overrides):
        key = override.key
        if problem.startswith(f"{key}: "):
            return f"{override.origin}: {problem[len(key) + 2:]}"
        if problem.startswith((f"{key}.", f"{key}[")):
            return f"{override.origin}: {problem}"
    group = problem.split(":", 1)[0].rpartition(".")[0]
    involved = [o.origin for o in overrides if group and o.key.rpartition(".")[0] == group]
    message = f"{source}: {problem}"
    return f"{message} (with {', '.join(involved)})" if involved else message


def set_dotted(data: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"{origin}: {part} is not a group of keys in the config")
        node = child
    node[parts[-1]] = value


def field_type(cls: type, dotted: str, origin: str) -> Any:
    """The type hint of the field at `dotted` in the dataclass tree of `cls`."""
    hint: Any = cls
    walked: list[str] = []
    for part in dotted.split("."):
        node = _strip_optional(hint)
        if dataclasses.is_dataclass(node):
            hints = get_type_hints(node)
            names = [f.name for f in dataclasses.fields(node) if f.init]
            if part not in names:
                where = ".".join(walked) or "the top level"
                close = difflib.get_close_matches(part, names, n=1)
                hint_text = f"did you mean '{'.'.join([*walked, close[0]])}'? " if close else ""
                raise ConfigError(f"{origin}: unknown key '{dotted}' ({hint_text}{where} has: {', '.join(names)})")
            hint = hints[part]
        elif get_origin(node) is dict:
            hint = get_args(node)[1] if get_args(node) else Any
        else:
            raise ConfigError(f"{origin}: unknown key '{dotted}' ({'.'.join(walked)} has no keys inside)")
        walked.append(part)
    return hint


def typed_value(hint: Any, raw: str, origin: str) -> Any:
    """The text after `=` as the field wants it (the field's own check comes later, in build)."""
    options = _options(hint)
    if type(None) in options and raw.lower() in ("null", "none", "~"):
        return None
    kept = [o for o in options if o is not type(None)]
    if kept and all(_takes_text(o) for o in kept):
        return raw
    try:
        value = yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{origin}: cannot read {shown(raw)} ({problem})") from None
    if isinstance(value, str) and float in kept:
        try:
            return float(raw)  # YAML 1.1 reads `1e-4` (no dot) as a string
        except ValueError:
            pass
    return value


def _options(hint: Any) -> tuple[Any, ...]:
    if get_origin(hint) in (Union, types.UnionType):
        return get_args(hint)
    return (hint,)


def _strip_optional(hint: Any) -> Any:
    kept = [o for o in _options(hint) if o is not type(None)]
    return kept[0] if len(kept) == 1 else hint


def _takes_text(hint: Any) -> bool:
    if hint in (str, Path):
        return True
    if get_origin(hint) is typing.Literal:
        return all(isinstance(choice, str) for choice in get_args(hint))
    return isinstance(hint, type) and issubclass(hint, enum.Enum) and all(
        isinstance(member.value, str) for member in hint)
