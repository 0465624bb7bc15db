"""An argv list of `parallel.yaml` (`command`, `preflight`) with its placeholders filled in from
the task's flags. The rules (docs/configuration.md, `processes.NAME.command`):

- `{name}` anywhere in an item is replaced by that value (`{python}`: the running interpreter);
- a value that was not given (None) leaves out every item that uses it, and an item that is
  exactly the placeholder takes the option right before it along: `--target {crawl_target}`
  vanishes, so the child's own config decides instead of a default that always wins;
- an item that is exactly a list placeholder (`{no_web_crawl}`, `{crawl_set}`) becomes the
  list's items: the flags when they were given, nothing otherwise — so a foreign script never
  sees a flag it does not know.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

FIELD = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class TemplateError(ValueError):
    """An item names a placeholder nobody gives, or is not a valid format string."""


def expand(template: list[str], values: Mapping[str, str | None], lists: Mapping[str, list[str]]) -> list[str]:
    argv: list[str] = []
    option_pending = False  # the last item kept is an option written literally in the template
    for index, item in enumerate(template):
        whole = FIELD.match(item)
        if whole is not None and whole.group(1) in lists:
            argv.extend(lists[whole.group(1)])
            option_pending = False
            continue
        names = _field_names(item, index)
        unknown = [n for n in names if n not in values]
        if unknown:
            raise TemplateError(f"[{index}]: unknown placeholder {{{unknown[0]}}} in {item!r}; known: "
                                + ", ".join(sorted([*values, *lists])))
        if any(values[n] is None for n in names):
            if whole is not None and option_pending:
                argv.pop()  # `--target {crawl_target}` without a value: neither item
            option_pending = False
            continue
        argv.append(item.format(**{n: values[n] for n in names}) if names else item)
        option_pending = not names and item.startswith("-")
    return argv


def _field_names(item: str, index: int) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(item))
    except ValueError as exc:
        raise TemplateError(f"[{index}]: {item!r} is not a valid template ({exc}); write {{{{ and }}}} "
                            "for literal braces") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or not name.isidentifier() or spec or conversion:
            raise TemplateError(f"[{index}]: unknown placeholder in {item!r}: use {{name}} only")
        names.append(name)
    return names
