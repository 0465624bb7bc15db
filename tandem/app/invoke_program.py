"""The program that runs the tasks, as `invoke` in a checkout and as the installed `tandem`.

One `Program` subclass for both: Invoke's own usage errors made like every other mistake of the
kit (one line, the closest flag or task for a typo, exit 2: docs/exit-codes.md, instead of `No
idea what '--crawl-targt' is!` and exit 1), naming the command the user typed; and the folder
the tasks work in, handed to them as the Invoke config value `tandem.workspace`.

Users of a checkout run Invoke's own program (`invoke`, `python -m invoke`), which tandem cannot
replace; what it can do is give that program this subclass's behaviour before the task flags are
parsed. `tasks.py` calls `adopt_running_program()` when Invoke loads it, which happens after
Invoke has read its own options and before it parses the tasks' flags — the only step that
changes. Invoke's `Program` is meant to be subclassed (`Program.parse_tasks` is a documented step
of `Program.run`); only the switch happens on the running instance. The installed command builds
this class itself, with the tasks' namespace bundled (tandem/app/tandem_cli.py).
"""

from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path

from invoke import Argument, Exit, Program
from invoke.exceptions import ParseError
from invoke.parser import ParserContext

from tandem.app.task_flags import FlagError, command_workspace, workspace
from tandem.contracts.exit_codes import EXIT_USAGE

PROJECT_HELP = "the project folder to work in (default: this folder or the nearest parent with configs/)"


class TandemProgram(Program):
    def core_args(self) -> list[Argument]:
        args = super().core_args()
        if self.namespace is not None:  # `tandem`; under `invoke`, tasks.py's folder is the project
            args.append(Argument(names=("project",), help=PROJECT_HELP))
        return args

    @property
    def command(self) -> str:
        """The command as the user typed it: `invoke` or `tandem`."""
        return self.binary_names[0]

    def parse_tasks(self) -> None:
        try:
            folder = self.task_workspace()
        except FlagError as exc:
            raise Exit(f"error: {exc}", code=EXIT_USAGE) from None
        self.collection.configure({"tandem": {"workspace": str(folder), "command": self.command}})
        # A copy: building the contexts consumes the tasks' help texts, which Invoke's own parser needs.
        contexts = copy.deepcopy(self.collection).to_contexts()
        self.core.unparsed = spell_optional_positionals(self.core.unparsed, contexts)
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(f"error: {self.describe_parse_error(exc)}", code=EXIT_USAGE) from None

    def task_workspace(self) -> Path:
        """The folder the tasks work in (tandem/app/task_flags.py)."""
        if self.namespace is not None:
            return command_workspace(self.args.project.value, Path.cwd())
        loaded_from = self.collection.loaded_from
        return workspace(Path(loaded_from), Path.cwd()) if loaded_from else Path.cwd()

    def describe_parse_error(self, exc: ParseError) -> str:
        message = str(exc)
        context = getattr(exc, "context", None)
        command, task = self.command, _task_of(context)
        unknown = message.removeprefix("No idea what ").removesuffix(" is!").strip("'\"")
        needs_value = re.match(r"Flag .*?<Argument: ([^>]+)> needed value", message)
        missing = re.match(r"'([^']+)' did not receive required positional arguments: (.+)", message)
        if missing:
            task, names = missing.groups()
            words = ", ".join(name.strip(" '").upper() for name in names.split(","))
            return f"invoke {task}: {words} is needed (see invoke --help {task})"
        if needs_value:
            flag = "--" + needs_value.group(1).strip("_").replace("_", "-")
            return f"{command}{task}: {flag} needs a value (see {command} --help{task})"
        if unknown == message:
            return f"{message.rstrip('!')} (see {command} --help{task})"
        if unknown.startswith("-") and context is not None and getattr(context, "name", None):
            known = sorted(str(flag) for flag in context.flags)
            close = difflib.get_close_matches(unknown.split("=", 1)[0], known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            return (f"{command} {context.name}: unknown flag {unknown}{hint} "
                    f"({command} --help {context.name} lists them)")
        names = sorted(self.collection.task_names) if self.collection is not None else []
        close = difflib.get_close_matches(unknown, names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"{command}: no task or flag {unknown!r}{hint} ({command} --list shows the tasks)"


def spell_optional_positionals(argv: list[str], contexts: list[ParserContext]) -> list[str]:
    """`init DIR` as `init --folder DIR` when the task's positional `folder` has a default.

    Invoke fills a positional argument only while it has no value, so one with a default is never
    filled and a required one cannot be left out (`tandem init` alone). Here a positional argument
    with a default is optional: the first bare word after its task that names no task is its value."""
    by_name = {name: context for context in contexts for name in (context.name, *context.aliases)}
    spelled: list[str] = []
    optional: list[Argument] = []
    context: ParserContext | None = None
    tokens = iter(argv)
    for token in tokens:
        if token in by_name:
            context = by_name[token]
            optional = [arg for arg in context.positional_args if arg.default is not None]
            spelled.append(token)
        elif token.startswith("-"):
            spelled.append(token)
            flag = context.flags.get(token.split("=", 1)[0]) if context is not None else None
            value = next(tokens, None) if flag is not None and flag.takes_value and "=" not in token else None
            spelled += [] if value is None else [value]
        elif optional and context is not None:
            argument = optional.pop(0)
            spelled += [next(flag for flag, arg in context.flags.items() if arg is argument), token]
        else:
            spelled.append(token)
    return spelled


def _task_of(context: object) -> str:
    name = getattr(context, "name", None)
    return f" {name}" if name else ""


def adopt_running_program() -> None:
    """Give the program running `invoke` / `python -m invoke` this module's behaviour."""
    import invoke.main

    program = invoke.main.program
    if type(program) is Program:
        program.__class__ = TandemProgram
