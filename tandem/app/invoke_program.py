"""Invoke's own usage errors, made like every other mistake of the kit: one line, the closest
flag or task for a typo, exit 2 (docs/exit-codes.md) — instead of `No idea what '--crawl-targt'
is!` and exit 1.

Users run Invoke's own program (`invoke`, `python -m invoke`), which tandem cannot replace; what
it can do is give that program this subclass's behaviour before the task flags are parsed.
`tasks.py` calls `adopt_running_program()` when Invoke loads it, which happens after Invoke has
read its own options and before it parses the tasks' flags — the only step that changes.
Invoke's `Program` is meant to be subclassed (`Program.parse_tasks` is a documented step of
`Program.run`); only the switch happens on the running instance.
"""

from __future__ import annotations

import difflib
import re

from invoke import Exit, Program
from invoke.exceptions import ParseError

from tandem.contracts.exit_codes import EXIT_USAGE


class TandemProgram(Program):
    def parse_tasks(self) -> None:
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(f"error: {self.describe_parse_error(exc)}", code=EXIT_USAGE) from None

    def describe_parse_error(self, exc: ParseError) -> str:
        message = str(exc)
        context = getattr(exc, "context", None)
        unknown = message.removeprefix("No idea what ").removesuffix(" is!").strip("'\"")
        needs_value = re.match(r"Flag .*?<Argument: ([^>]+)> needed value", message)
        missing = re.match(r"'([^']+)' did not receive required positional arguments: (.+)", message)
        if missing:
            task, names = missing.groups()
            words = ", ".join(name.strip(" '").upper() for name in names.split(","))
            return f"invoke {task}: {words} is needed (see invoke --help {task})"
        if needs_value:
            flag = "--" + needs_value.group(1).strip("_").replace("_", "-")
            return f"invoke{_task_of(context)}: {flag} needs a value (see invoke --help{_task_of(context)})"
        if unknown == message:
            return f"{message.rstrip('!')} (see invoke --help{_task_of(context)})"
        if unknown.startswith("-") and context is not None and getattr(context, "name", None):
            known = sorted(str(flag) for flag in context.flags)
            close = difflib.get_close_matches(unknown.split("=", 1)[0], known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            return f"invoke {context.name}: unknown flag {unknown}{hint} (invoke --help {context.name} lists them)"
        names = sorted(self.collection.task_names) if self.collection is not None else []
        close = difflib.get_close_matches(unknown, names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"invoke: no task or flag {unknown!r}{hint} (invoke --list shows the tasks)"


def _task_of(context: object) -> str:
    name = getattr(context, "name", None)
    return f" {name}" if name else ""


def adopt_running_program() -> None:
    """Give the program running `invoke` / `python -m invoke` this module's error handling."""
    import invoke.main

    program = invoke.main.program
    if type(program) is Program:
        program.__class__ = TandemProgram
