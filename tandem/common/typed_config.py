"""Typed configuration: YAML gives values, command-line flags override, mistakes are one line.

Every config in the kit (parallel, crawl, training) is a tree of dataclasses. `load_config`
reads a YAML file into it, checks every value against the field's type hint, rejects unknown
keys, and raises `ConfigError` whose message names the file and the dotted key, so the scripts
can print it as the single line the contract promises (exit 2) instead of a traceback.
Dataclasses may validate cross-field rules in `__post_init__` by raising `ValueError("key: why")`.

A config file is foreign input, so reading one is bounded: YAML aliases may not expand to more
than MAX_EXPANDED_VALUES values (an "alias bomb" of a few hundred bytes would otherwise expand to
billions), every integer field has an upper bound (`bounded()` in its metadata, else
DEFAULT_INT_MAX; float fields check their range in `__post_init__`), and an error shows at most
about 200 characters of a value (`shown`).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import reprlib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from tandem.fileio.atomic_files import atomic_write_text

T = TypeVar("T")

# A config file holds hundreds of values; a few of its aliases may repeat a block or two.
MAX_EXPANDED_VALUES = 100_000
# The ceiling of an integer field whose metadata gives none: larger than any count, size or
# seed this kit uses, and small enough that a slip of the finger (a dozen zeros too many) is caught.
DEFAULT_INT_MAX = 10**12
MAX_SHOWN_CHARS = 200
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxlist, _SHORT_REPR.maxdict = 3, 8, 8
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = MAX_SHOWN_CHARS


class ConfigError(Exception):
    """A bad config or flag; `str(error)` is the whole one-line message for the user."""


def shown(value: Any) -> str:
    """`repr(value)` as a config error shows it: at most about MAX_SHOWN_CHARS characters, built
    without ever computing the whole repr (a value from aliases may be huge)."""
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS - 1] + "…"


def bounded(low: float | None = None, high: float | None = None, why: str = "") -> dict[str, Any]:
    """Field metadata for a number's range; `why` says what the upper bound protects, e.g.
    `field(default=4, metadata={"help": …, **bounded(1, 1024, "each worker is a thread")})`."""
    return {"min": low, "max": high, "why": why}


def load_config(cls: type[T], path: Path | str | None, overrides: Mapping[str, Any] | None = None) -> T:
    """Build `cls` from the YAML file at `path` (None: defaults only), then apply `overrides`.

    `overrides` maps dotted keys (`training.max_steps`) to values, as flags give them; a value of
    None means "flag not given" and is skipped.
    """
    source = str(path) if path is not None else "<defaults>"
    data: dict[str, Any] = read_yaml_mapping(Path(path)) if path is not None else {}
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, dotted, value, source)
    return build(cls, data, source)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top, got {_kind(data)}")
    return data


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error: YAML 1.2
    forbids it, and PyYAML would silently keep the last value (`grace_s: 30` … `grace_s: 0`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` may be overridden
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {shown(key)} (first given at line {first.start_mark.line + 1})",
                    key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def compose_document(self) -> yaml.Node | None:
        """The document's node graph, refused when its aliases would expand it past
        MAX_EXPANDED_VALUES values or make it contain itself (counted on the graph, in
        linear time: the expansion itself is never built)."""
        node = super().compose_document()  # type: ignore[no-untyped-call]
        if node is not None:
            _count_expanded(node, {}, set())
        return typing.cast("yaml.Node | None", node)


def _count_expanded(node: yaml.Node, counted: dict[int, int], open_nodes: set[int]) -> int:
    """How many values `node` stands for once every alias in it is written out."""
    if id(node) in counted:
        return counted[id(node)]
    if id(node) in open_nodes:
        raise yaml.constructor.ConstructorError(None, None, "an alias refers to a value that contains it",
                                                node.start_mark)
    open_nodes.add(id(node))
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_count_expanded(item, counted, open_nodes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_count_expanded(key, counted, open_nodes) + _count_expanded(value, counted, open_nodes)
                     for key, value in node.value)
    open_nodes.discard(id(node))
    if total > MAX_EXPANDED_VALUES:
        raise yaml.constructor.ConstructorError(
            None, None, f"its aliases expand to more than {MAX_EXPANDED_VALUES} values (an alias bomb?)",
            node.start_mark)
    counted[id(node)] = total
    return total


def build(cls: type[T], data: Mapping[str, Any], source: str, prefix: str = "") -> T:
    """Check `data` against the dataclass `cls` and construct it (recursively)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'top level'}: expected a mapping, got {_kind(data)}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = [key for key in data if key not in fields]
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{source}: unknown key '{prefix}{unknown[0]}' (known here: {known})")
    required = [name for name, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        if not data and not prefix:
            raise ConfigError(f"{source}: the file is empty; it needs at least "
                              f"{', '.join(repr(m) for m in missing)}")
        raise ConfigError(f"{source}: {prefix}{missing[0]}: required, but not given")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        kwargs[name] = _convert(hints[name], value, source, f"{prefix}{name}")
        _check_bounds(fields[name], kwargs[name], source, f"{prefix}{name}")
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ConfigError(f"{source}: {prefix}{_clipped(str(exc))}") from None
    except TypeError as exc:  # a required field left out
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'top level'}: {exc}") from None


def _check_bounds(spec: dataclasses.Field[Any], value: Any, source: str, key: str) -> None:
    """The field's `bounded()` range; an integer without one is at most DEFAULT_INT_MAX."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    low, high, why = spec.metadata.get("min"), spec.metadata.get("max"), spec.metadata.get("why", "")
    if high is None and isinstance(value, int):
        high, why = DEFAULT_INT_MAX, why or "no count or size in this kit comes near it"
    if low is not None and value < low:
        raise ConfigError(f"{source}: {key}: must be at least {low:g}, got {shown(value)}")
    if high is not None and value > high:
        reason = f" ({why})" if why else ""
        raise ConfigError(f"{source}: {key}: must be at most {high:g}{reason}, got {shown(value)}")


def _clipped(message: str) -> str:
    """A message from a dataclass's own check, kept to one line of reasonable length."""
    line = " ".join(message.split())
    return line if len(line) <= MAX_SHOWN_CHARS + 100 else line[:MAX_SHOWN_CHARS + 99] + "…"


def check_range(key: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
    """For `__post_init__`: raise `ValueError("key: …")` unless `value` lies in [low, high]
    (`low_open`: above `low`). Settings get upper bounds too: `grace_s: 1e9` is a typo."""
    too_low = value <= low if low_open else value < low
    if too_low or value > high or value != value:
        lower = f"more than {low:g}" if low_open else f"at least {low:g}"
        raise ValueError(f"{key}: must be {lower} and at most {high:g}, got {value:g}")


def _convert(hint: Any, value: Any, source: str, key: str) -> Any:
    origin = get_origin(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, source, key)
            except ConfigError as exc:
                errors.append(exc)
                if isinstance(value, Mapping) and dataclasses.is_dataclass(option):
                    raise  # a mapping meant for the dataclass: its own message names the key
        raise errors[0] if len(errors) == 1 else _bad(source, key, value, _describe(hint))
    if origin is typing.Literal:
        choices = get_args(hint)
        if value in choices:
            return value
        raise ConfigError(f"{source}: {key}: must be one of {', '.join(map(str, choices))}, got {shown(value)}")
    if dataclasses.is_dataclass(hint):
        return build(hint, value, source, f"{key}.")  # type: ignore[arg-type]
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _bad(source, key, value, "a list")
        args = get_args(hint)
        item = args[0] if args else Any
        items = [_convert(item, v, source, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if (origin or hint) is tuple else items
    if origin is dict or hint is dict:
        if not isinstance(value, Mapping):
            raise _bad(source, key, value, "a mapping")
        args = get_args(hint)
        item = args[1] if args else Any
        return {str(k): _convert(item, v, source, f"{key}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            names = ", ".join(str(m.value) for m in hint)
            raise ConfigError(f"{source}: {key}: must be one of {names}, got {shown(value)}") from None
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _bad(source, key, value, "true or false")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _bad(source, key, value, "an integer")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):  # `.nan` and `.inf` are valid YAML, never a setting
                raise ConfigError(f"{source}: {key}: expected a finite number, got {shown(value)}")
            return float(value)
        raise _bad(source, key, value, "a number")
    if hint is str:
        if isinstance(value, str):
            return value
        raise _bad(source, key, value, "a string")
    if hint is Path:
        if isinstance(value, (str, Path)):
            return Path(value)
        raise _bad(source, key, value, "a path")
    raise ConfigError(f"{source}: {key}: unsupported field type {hint!r}")


def _bad(source: str, key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: expected {expected}, got {_kind(value)} {shown(value)}")


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _describe(hint: Any) -> str:
    return " or ".join(getattr(a, "__name__", str(a)) for a in get_args(hint) if a is not type(None))


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, source: str) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{source}: {part}: expected a mapping, got {_kind(child)}")
        node = child
    node[parts[-1]] = value


def to_plain(obj: Any) -> Any:
    """The config as plain YAML/JSON-able values (Paths as strings, enums as values)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    return obj


def resolved_config_path(folder: Path, config_name: str) -> Path:
    """`FOLDER/NAME.resolved.yaml`, where a config is saved as it was actually used: one naming
    for the run's `parallel.resolved.yaml`, the crawl's and the trainer's."""
    return Path(folder) / f"{config_name}.resolved.yaml"


def save_resolved(config: Any, path: Path) -> None:
    """Write the config as it was actually used, next to the run's output."""
    text = yaml.safe_dump(to_plain(config), allow_unicode=True, sort_keys=False)
    atomic_write_text(Path(path), text)
