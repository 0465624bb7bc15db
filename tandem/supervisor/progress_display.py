"""What a person watching the supervisor sees: one tqdm bar per process on a terminal, plain
periodic lines elsewhere (CI, a redirect), and events in between. Formatting only: the event
loop decides what happened, this decides how it looks.

Each bar carries the child's own status message (the crawl's pages/s, queue and drops; the
trainer's loss and tokens/s, or "waiting for data …"). The message is what matters, so on a
terminal narrower than WIDE_COLUMNS the bar shrinks, the times go (the message has the
rates) and so does a plain "running", and a message still too long loses whole ` | ` fields
from its end, never its start.
In plain mode a process that has finished is printed once, not with every refresh.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from tqdm import tqdm

from tandem.contracts.child_protocol import Progress, shorten
from tandem.contracts.run_record import FINISHED_PROCESS_STATES

MESSAGE_CHARS_SHOWN = 120  # a child's message on one console line

BAR_FORMAT = ("{desc} {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt} {unit} "
              "[{elapsed}<{remaining}, {rate_fmt}]{postfix}")
NARROW_BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar:8}| {n_fmt}/{total_fmt} {unit}{postfix}"
WIDE_COLUMNS = 150  # below this the full bar and its times leave too little room for the message
NARROW_FIXED_CHARS = 19  # " 100%|" + 8 + "| " + ", " (tqdm's postfix separator) + a margin


@dataclass
class ProcessView:
    name: str
    status: str
    restarts: int
    progress: Progress | None


def describe(view: ProcessView) -> str:
    """`crawl running 120/10000 samples (1.2%) restarts 0 — message` for lines and `status`."""
    parts = [view.name, view.status]
    progress = view.progress or Progress()
    done, total, unit = progress.done, progress.total, progress.unit
    if done is not None:
        amount = f"{_fmt(done)}/{_fmt(total)}" if total else _fmt(done)
        parts.append(f"{amount} {unit}".rstrip())
        if total:
            parts.append(f"({100.0 * float(done) / float(total):.1f}%)")
    parts.append(f"restarts {view.restarts}")
    message = shorten(progress.message, MESSAGE_CHARS_SHOWN)
    text = " ".join(parts)
    return f"{text} — {message}" if message else text


def bar_postfix(view: ProcessView) -> str:
    """What follows the bar: `running — kept 120/10000 | fetched 180 (9.7 pages/s) | …`."""
    text = view.status
    if view.restarts:
        text += f", {view.restarts} restart{'s' if view.restarts != 1 else ''}"
    message = view.progress.message if view.progress else ""
    return f"{text} — {message}" if message else text


def fit_message(text: str, room: int) -> str:
    """`text` in `room` characters: whole ` | ` fields dropped from the end (`…` marks it)."""
    if len(text) <= room:
        return text
    fields = text.split(" | ")
    while len(fields) > 1:
        fields.pop()
        shown = " | ".join(fields) + " …"
        if len(shown) <= room:
            return shown
    return text[: max(room - 1, 0)] + "…"


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class ProgressDisplay:
    def __init__(
        self,
        names: list[str],
        stream: TextIO | None = None,
        plain_interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stdout
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.plain_interval_s = plain_interval_s
        self._clock = clock
        self._last_plain: float | None = None
        self._printed_final: set[str] = set()
        self._bars: dict[str, tqdm] = {}
        if self.interactive:
            width = max(len(n) for n in names)
            for position, name in enumerate(names):
                self._bars[name] = tqdm(
                    total=None, desc=name.ljust(width), position=position, leave=False,
                    file=self.stream, dynamic_ncols=True, mininterval=0.5, bar_format=BAR_FORMAT,
                )

    def event(self, message: str) -> None:
        if self.interactive:
            tqdm.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def update(self, views: list[ProcessView]) -> None:
        if self.interactive:
            for view in views:
                self._update_bar(self._bars[view.name], view)
            return
        now = self._clock()
        if self._last_plain is not None and now - self._last_plain < self.plain_interval_s:
            return
        self._last_plain = now
        for view in views:
            if view.name in self._printed_final:
                continue
            if view.status in FINISHED_PROCESS_STATES:
                self._printed_final.add(view.name)
            print(f"[progress] {describe(view)}", file=self.stream, flush=True)

    def bar_line(self, name: str) -> str:
        """The bar of `name` as the terminal shows it now."""
        return str(self._bars[name])

    def _update_bar(self, bar: tqdm, view: ProcessView) -> None:
        progress = view.progress or Progress()
        done, total = progress.done, progress.total
        if total and bar.total != total:
            bar.total = total
        if progress.unit:
            bar.unit = progress.unit
        if done is not None:
            if done < bar.n:  # a restarted child may report from an earlier point
                bar.reset(total=total or None)
            bar.update(done - bar.n)
        postfix = bar_postfix(view)
        columns = self._columns()
        if columns < WIDE_COLUMNS:
            bar.bar_format = NARROW_BAR_FORMAT
            if view.status == "running" and not view.restarts and view.progress and view.progress.message:
                postfix = view.progress.message  # a moving bar says "running"; the room is the message's
            counts = f"{bar.n}/{bar.total or '?'} {bar.unit}"
            postfix = fit_message(postfix, columns - len(bar.desc) - len(counts) - NARROW_FIXED_CHARS)
        else:
            bar.bar_format = BAR_FORMAT
        bar.set_postfix_str(postfix, refresh=True)

    def _columns(self) -> int:
        if hasattr(self.stream, "columns"):  # a test's terminal says how wide it is
            return int(self.stream.columns)
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80

    def close(self, views: list[ProcessView]) -> None:
        """Replace the bars (or the last plain lines) with one final line per process."""
        if self.interactive:
            for view in reversed(views):  # the lowest bar first, or tqdm redraws the upper ones
                self._bars[view.name].close()
        for view in views:
            print(f"[final] {describe(view)}", file=self.stream, flush=True)
