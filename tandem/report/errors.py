"""The report's "Errors" section: what failed, why, the last log lines, and the root cause."""

from __future__ import annotations

from pathlib import Path

from tandem.contracts.child_protocol import ChildError
from tandem.contracts.run_record import Attempt, ProcessEntry, ProcessState, RunRecord, RunState
from tandem.fileio.log_tail import tail_lines
from tandem.report.markdown import code, fenced, inline, link, table
from tandem.report.record_facts import failures, format_duration, format_exit, format_time, resolve

MAX_LINE_CHARS = 2000


def log_tail(path: Path | None, lines: int) -> list[str]:
    return [_cut(line) for line in tail_lines(path, lines)]


def errors_section(record: RunRecord, root: Path, base: Path, tail_lines: int) -> list[str]:
    out = ["## Errors", ""]
    found = failures(record)
    procs = record.processes
    if found:
        first = found[0]
        what = "failed" if first.final else "crashed and was restarted"
        exit_text = inline(format_exit(first.exit_code))
        line = (f"**Root cause:** {code(first.process)} {what} first — exit {exit_text}"
                f" at {inline(format_time(first.ended_at))}")
        line += f": {inline(first.reason)}." if first.reason else "."
        out += [line + (" Its log says:" if first.said else ""), ""]
        if first.said:
            out += [f"> {inline(_cut(first.said))}", ""]
    if record.supervisor_error:
        out += [f"**The supervisor itself failed** and stopped every process: {inline(record.supervisor_error)}", ""]
    if record.status == RunState.INTERRUPTED:
        stopped = [name for name, proc in procs.items() if proc.status == ProcessState.STOPPED]
        names = ", ".join(code(name) for name in stopped) or "none"
        why = record.interrupted_reason
        cause = (f": {inline(why)}" if why else
                 " (a signal to the supervisor, or a supervisor that died and was found later)")
        out += [f"The run was **interrupted** before it finished{cause}. Stopped: {names}.", ""]
    troubled = [(name, proc) for name, proc in procs.items()
                if proc.status == ProcessState.FAILED or proc.restarts > 0 or proc.error or proc.leftovers]
    if not troubled and not found and not record.supervisor_error:
        if record.status != RunState.INTERRUPTED:
            out += ["None: no process failed or was restarted.", ""]
        return out
    for name, proc in troubled:
        out += _process_errors(name, proc, root, base, tail_lines)
    return out


def _process_errors(name: str, proc: ProcessEntry, root: Path, base: Path, tail_lines: int) -> list[str]:
    count = proc.restarts
    heading = f"### {code(name)} — {inline(proc.status)}, exit {inline(format_exit(proc.exit_code))}"
    if count:
        heading += f", {count} restart{'s' if count != 1 else ''}"
        asked = sum(attempt.requested == "restart" for attempt in proc.attempts)
        if asked:
            heading += f" ({'all' if asked == count else asked} asked for)"
    out = [heading, ""]
    if proc.error:
        out += [f"**Reason:** {inline(proc.error.reason)}", ""]
    attempts = proc.attempts
    if len(attempts) > 1:
        out += [_attempts_table(attempts), ""]
    if proc.attempts_omitted:
        out += [f"{proc.attempts_omitted} attempt{'s' if proc.attempts_omitted != 1 else ''} between those "
                f"shown {'were' if proc.attempts_omitted != 1 else 'was'} left out of the record (it keeps "
                f"the first and the last ones in full).", ""]
    if proc.leftovers:
        out += [f"**Left running when it ended** (stopped by the supervisor): "
                f"{', '.join(inline(p) for p in proc.leftovers)}.", ""]
    log_path = resolve(proc.log_file, root)
    source = link(inline(proc.log_file), log_path, base) if log_path else "its log"
    # Each failed attempt's own last lines (the supervisor keeps them); the process's error tail
    # is the last attempt's, so it is shown only when no attempt carries one.
    shown = False
    # A child that wrote its error file is quoted from it (the exception and its traceback); the
    # log's last lines stand in for one that did not (a program of your own, a crash in C).
    for index, attempt in enumerate(attempts, start=1):
        number = attempt.number or index
        tail = _lines(attempt.log_tail, tail_lines)
        prefix = f"Attempt {number} (exit {inline(format_exit(attempt.exit_code))}), " if len(attempts) > 1 else ""
        if attempt.exception is not None:
            out += _exception(prefix, attempt.exception)
            shown = True
        elif tail:
            label = f"{prefix}last" if prefix else "Last"
            out += [f"{label} {len(tail)} lines of {source}:", "", fenced(tail), ""]
            shown = True
    if not shown and proc.error is not None and proc.error.exception is not None:
        out += _exception("", proc.error.exception)
    elif not shown:
        tail = _lines(proc.error.log_tail if proc.error else None, tail_lines) or log_tail(log_path, tail_lines)
        if tail:
            out += [f"Last {len(tail)} lines of {source}:", "", fenced(tail), ""]
        else:
            out += [f"No log lines to show ({source} is empty or missing).", ""]
    return out


def _exception(prefix: str, exception: ChildError) -> list[str]:
    """The exception from the child's error file: its headline, then its traceback."""
    said = "it raised" if prefix else "It raised"
    traceback = [_cut(line) for line in exception.traceback.rstrip().splitlines()]
    return [f"{prefix}{said} {inline(_cut(exception.headline))} (its error file):", "", fenced(traceback), ""]


def _attempts_table(attempts: list[Attempt]) -> str:
    rows = []
    for index, attempt in enumerate(attempts, start=1):
        rows.append([str(attempt.number or index), inline(attempt.pid if attempt.pid is not None else "–"),
                     inline(format_time(attempt.started_at)), inline(format_time(attempt.ended_at)),
                     format_duration(attempt.uptime_s), inline(format_exit(attempt.exit_code)),
                     inline(attempt.reason or "–")])
    return table(["Attempt", "PID", "Started", "Ended", "Uptime", "Exit code", "Reason"], rows,
                 ["r", "r", "l", "l", "r", "r", "l"])


def _lines(value: list[str] | None, limit: int) -> list[str]:
    if not value or limit <= 0:
        return []
    return [_cut(line) for line in value[-limit:]]


def _cut(line: str) -> str:
    """One logged line as the report shows it: a megabyte-long line (a dumped tensor, minified
    JSON) would bury everything else."""
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]} … [{len(line) - MAX_LINE_CHARS} more characters]"
