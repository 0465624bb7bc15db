"""tandem's front door: `invoke --list` in a checkout (its tasks.py re-exports `ns`), `tandem
--list` installed (tandem/app/tandem_cli.py); `--help TASK`.

Tasks are thin: each composes the package's supervisor or one of its command-line modules.
Value flags default to "not given", so the configs decide unless a flag says otherwise; a flag's
mistake is one line naming it (tandem/app/task_flags.py). Run from anywhere inside the project,
a task works in the project folder, which the program hands it as `tandem.workspace`
(tandem/app/invoke_program.py). Exit status (docs/exit-codes.md): 0 all succeeded, 1 a process
failed, 2 bad usage or config, 130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from invoke import Collection, Context, Exit, task

from tandem.app.invoke_program import adopt_running_program
from tandem.app.parallel_run import run_supervised
from tandem.app.project_init import ProjectExists, demo_configs, write_project
from tandem.app.task_flags import (
    FlagError,
    end_quietly_when_the_reader_leaves,
    enter_workspace,
    set_switches,
    user_path,
    whole_number,
)
from tandem.supervisor.launch_plan import SupervisorRequest

# Invoke's own usage errors (an unknown flag, a missing value) become one line, the closest flag
# and exit 2, like every other mistake (tandem/app/invoke_program.py).
adopt_running_program()

PARALLEL_CONFIG = "configs/parallel.yaml"
TRAIN_CONFIG = "configs/training_config.yaml"
CRAWL_CONFIG = "configs/crawl_config.yaml"

PARALLEL_HELP = "supervisor config: processes, restart, shutdown, monitor, notify (default configs/parallel.yaml)"
NO_AUTO_RESUME_HELP = ("start afresh: no restarts after a crash, and children move their old output "
                       "aside (renamed with a timestamp, never deleted) instead of resuming")
NO_WEB_CRAWL_HELP = ("read the crawl config's sources: (folders, globs, txt/html/JSONL/Parquet/WARC/WET files, "
                     "https:// and hf:// URLs) instead of crawling the web")
TARGET_HELP = ("samples the crawl keeps before it stops, a whole number (default: the crawl config's target, "
               "10000 as shipped)")
WORKERS_HELP = ("concurrent fetches of the crawl, or with --no-web-crawl its reading processes; a whole number "
                "(default: the crawl config's workers, 4 as shipped)")
RUN_HELP = "RUN_ID (YYYYMMDD_HHMMSS) of the run (default: the latest)"
LOGS_DIR_HELP = "where the run records are (default logs)"
DETACH_HELP = ("start in the background (a session of its own: closing the terminal does not stop it) and "
               "return at once; then invoke status / logs --follow / stop / restart NAME / dashboard")


def _supervise(kind: str, only: list[str] | None, config: str, placeholders: dict[str, str | None],
               switches: dict[str, list[str]], no_web_crawl: bool, no_auto_resume: bool) -> None:
    request = SupervisorRequest(
        config_path=Path(config),
        kind=kind,
        only=only,
        placeholders=placeholders,
        auto_resume=not no_auto_resume,
        switches={"no_web_crawl": ["--no-web-crawl"] if no_web_crawl else [], **switches},
    )
    code = run_supervised(request)
    if code != 0:
        raise Exit(code=code)


def _usage(error: FlagError) -> Exit:
    return Exit(f"error: {error}", code=error.code)


def _workspace(c: Context) -> Path:
    """The folder this task works in, as the program running it found it (`tandem.workspace`)."""
    return Path(c.config.tandem.workspace or ".")


def _command(c: Context) -> str:
    """The command the user typed: `invoke` or `tandem`."""
    return str(c.config.tandem.command)


@task(auto_shortflags=False, iterable=["set_"], help={
    "config": PARALLEL_HELP,
    "train_config": "training config passed to the train process (default configs/training_config.yaml)",
    "crawl_config": "crawl config passed to the crawl process (default configs/crawl_config.yaml)",
    "crawl_target": TARGET_HELP,
    "crawl_workers": WORKERS_HELP,
    "no_web_crawl": NO_WEB_CRAWL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "set_": "PROCESS.KEY=VALUE: override one key of a process's config, e.g. --set crawl.politeness.min_delay_s=2 "
            "or --set train.training.max_steps=500 (repeatable)",
    "detach": DETACH_HELP,
})
def parallel(c: Context, config: str | None = None, train_config: str | None = None,
             crawl_config: str | None = None, crawl_target: str | None = None, crawl_workers: str | None = None,
             no_web_crawl: bool = False, no_auto_resume: bool = False, set_: list[str] | None = None,
             detach: bool = False) -> None:
    """Train and crawl side by side, supervised: logs in logs/, record in logs/runs/, report in _docs/."""
    try:
        target, workers = whole_number("--crawl-target", crawl_target), whole_number("--crawl-workers", crawl_workers)
        switches = set_switches(set_)
    except FlagError as exc:
        raise _usage(exc) from None
    here = enter_workspace(_workspace(c))
    paths = {"config": user_path(config, here, PARALLEL_CONFIG),
             "train_config": user_path(train_config, here, TRAIN_CONFIG),
             "crawl_config": user_path(crawl_config, here, CRAWL_CONFIG)}
    if detach:
        return _detach(c, "parallel", paths["config"], {
            **paths, "crawl_target": target, "crawl_workers": workers, "no_web_crawl": no_web_crawl,
            "no_auto_resume": no_auto_resume, "set_": set_})
    _supervise("parallel", None, paths["config"],
               {"train_config": paths["train_config"], "crawl_config": paths["crawl_config"],
                "crawl_target": _text(target), "crawl_workers": _text(workers)},
               switches, no_web_crawl, no_auto_resume)


@task(auto_shortflags=False, iterable=["set_"], help={
    "config": "training config (default configs/training_config.yaml)",
    "parallel_config": PARALLEL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "set_": "KEY=VALUE: override one key of the training config, e.g. --set training.max_steps=500 (repeatable)",
    "detach": DETACH_HELP,
})
def train(c: Context, config: str | None = None, parallel_config: str | None = None,
          no_auto_resume: bool = False, set_: list[str] | None = None, detach: bool = False) -> None:
    """Run the train process alone, with the same supervision, logs, record and report."""
    try:
        switches = set_switches(set_, only="train")
    except FlagError as exc:
        raise _usage(exc) from None
    here = enter_workspace(_workspace(c))
    paths = {"config": user_path(config, here, TRAIN_CONFIG),
             "parallel_config": user_path(parallel_config, here, PARALLEL_CONFIG)}
    if detach:
        return _detach(c, "train", paths["parallel_config"], {**paths, "no_auto_resume": no_auto_resume, "set_": set_})
    _supervise("train", ["train"], paths["parallel_config"],
               {"train_config": paths["config"], "crawl_config": CRAWL_CONFIG,
                "crawl_target": None, "crawl_workers": None},
               switches, False, no_auto_resume)


@task(auto_shortflags=False, iterable=["set_"], help={
    "config": "crawl config (default configs/crawl_config.yaml)",
    "target": TARGET_HELP,
    "workers": WORKERS_HELP,
    "parallel_config": PARALLEL_HELP,
    "no_web_crawl": NO_WEB_CRAWL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "set_": "KEY=VALUE: override one key of the crawl config, e.g. --set politeness.min_delay_s=2 (repeatable)",
    "detach": DETACH_HELP,
})
def crawl(c: Context, config: str | None = None, target: str | None = None, workers: str | None = None,
          parallel_config: str | None = None, no_web_crawl: bool = False, no_auto_resume: bool = False,
          set_: list[str] | None = None, detach: bool = False) -> None:
    """Run the crawl process alone, with the same supervision, logs, record and report."""
    try:
        count, fetchers = whole_number("--target", target), whole_number("--workers", workers)
        switches = set_switches(set_, only="crawl")
    except FlagError as exc:
        raise _usage(exc) from None
    here = enter_workspace(_workspace(c))
    paths = {"config": user_path(config, here, CRAWL_CONFIG),
             "parallel_config": user_path(parallel_config, here, PARALLEL_CONFIG)}
    if detach:
        return _detach(c, "crawl", paths["parallel_config"], {
            **paths, "target": count, "workers": fetchers, "no_web_crawl": no_web_crawl,
            "no_auto_resume": no_auto_resume, "set_": set_})
    _supervise("crawl", ["crawl"], paths["parallel_config"],
               {"train_config": TRAIN_CONFIG, "crawl_config": paths["config"],
                "crawl_target": _text(count), "crawl_workers": _text(fetchers)},
               switches, no_web_crawl, no_auto_resume)


def _text(number: int | None) -> str | None:
    return None if number is None else str(number)


@task(auto_shortflags=False, help={"run": RUN_HELP,
                                   "logs_dir": "where the run records are (default: logs_dir of configs/parallel.yaml)",
                                   "docs_dir": "where reports go (default: report.docs_dir of configs/parallel.yaml)"})
def report(c: Context, run: str | None = None, logs_dir: str | None = None, docs_dir: str | None = None) -> None:
    """Rebuild a run's Markdown report from its record; a run still going gets a live report."""
    here = enter_workspace(_workspace(c))
    argv = [sys.executable, "-m", "tandem.app.report_cli"]
    for flag, value in (("--logs-dir", logs_dir), ("--docs-dir", docs_dir)):
        if value is not None:
            argv += [flag, user_path(value, here, "")]
    if run:
        argv += ["--run", run]
    _script(argv)


@task(auto_shortflags=False, help={
    "message": "text of the notification (default: the latest run's summary line)",
    "sound": "WAV file to play (default: notify.sound of the config, else the kit's chime)",
    "config": PARALLEL_HELP})
def notify(c: Context, message: str | None = None, sound: str | None = None, config: str | None = None) -> None:
    """Play the end-of-run sound and send the notifications configured in parallel.yaml."""
    here = enter_workspace(_workspace(c))
    argv = [sys.executable, "-m", "tandem.app.notify_cli"]
    for flag, value in (("--config", config), ("--sound", sound)):
        if value is not None:
            argv += [flag, user_path(value, here, "")]
    if message:
        argv += ["--message", message]
    _script(argv)


def _logs_folder(c: Context, logs_dir: str | None) -> Path:
    """Enter the workspace; the run records' folder: `--logs-dir` taken from where it was typed,
    or the workspace's logs/."""
    here = enter_workspace(_workspace(c))
    return Path(user_path(logs_dir, here, "logs"))


@task(auto_shortflags=False, help={"run": RUN_HELP, "lines": "last lines of each process's log to show (default 1)",
                                   "logs_dir": LOGS_DIR_HELP})
def status(c: Context, run: str | None = None, lines: str | None = None, logs_dir: str | None = None) -> None:
    """A run (the latest or current one): each process, PID, alive or not, progress, last log lines."""
    from tandem.supervisor.run_view import show_status

    try:
        count = whole_number("--lines", lines, minimum=0)
    except FlagError as exc:
        raise _usage(exc) from None
    end_quietly_when_the_reader_leaves()
    code = show_status(_logs_folder(c, logs_dir), run=run, lines=1 if count is None else count)
    if code:
        raise Exit(code=code)


@task(auto_shortflags=False, help={"follow": "keep printing new lines until the run ends (Ctrl-C to leave)",
                                   "process": "only this process's log (e.g. train or crawl)",
                                   "run": RUN_HELP,
                                   "lines": "start with only the last N lines of each log (default: all)",
                                   "logs_dir": LOGS_DIR_HELP})
def logs(c: Context, follow: bool = False, process: str | None = None, run: str | None = None,
         lines: str | None = None, logs_dir: str | None = None) -> None:
    """A run's logs (the latest by default), each line prefixed with [train]/[crawl]."""
    from tandem.supervisor.run_view import show_logs

    try:
        count = whole_number("--lines", lines, minimum=0)
    except FlagError as exc:
        raise _usage(exc) from None
    end_quietly_when_the_reader_leaves()
    code = show_logs(_logs_folder(c, logs_dir), follow, process, run=run, lines=count)
    if code:
        raise Exit(code=code)


@task(auto_shortflags=False, help={
    "pages": "pages of the generated demo site (default 500)",
    "crawl_target": "samples the demo crawl keeps (default 300)",
    "resume": "continue the previous demo instead of starting afresh (old output is moved aside)",
    "detach": DETACH_HELP})
def demo(c: Context, pages: str | None = None, crawl_target: str | None = None, resume: bool = False,
         detach: bool = False) -> None:
    """The whole kit offline: a bundled site crawled on 127.0.0.1 while a tiny model trains.

    Serves the demo site, crawls it while the model trains on what arrives, then reports and
    notifies (configs/demo/, else the shipped ones)."""
    try:
        site_pages = whole_number("--pages", pages) or 500
        target = whole_number("--crawl-target", crawl_target) or 300
    except FlagError as exc:
        raise _usage(exc) from None
    enter_workspace(_workspace(c))
    configs = demo_configs(Path.cwd())
    if detach:
        return _detach(c, "demo", f"{configs}/parallel.yaml",
                       {"pages": site_pages, "crawl_target": target, "resume": resume})
    _refuse_if_running(f"{configs}/parallel.yaml")
    # The server stops when its stdin ends: this process holds the pipe's other end, so the server
    # goes with it however it ends (kill -9 included), never left serving for ever.
    server = subprocess.Popen(
        [sys.executable, "-m", "tandem.demosite", "serve", "--root", "data/demo_site", "--pages", str(site_pages),
         "--port", "0", "--until-stdin-closes"],
        stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
    )
    try:
        url = _read_server_url(server)
        print(f"demo site: {url}")
        _supervise("parallel", None, f"{configs}/parallel.yaml",
                   {"train_config": f"{configs}/training.yaml", "crawl_config": f"{configs}/crawl.yaml",
                    "crawl_target": str(target), "crawl_workers": None, "demo_url": url},
                   {}, False, not resume)
    finally:
        _stop_server(server)


def _refuse_if_running(config_path: str) -> None:
    """Before serving the demo site: a second demo is refused as the supervisor would refuse it,
    without a site URL printed first for a run that never starts."""
    from tandem.app.parallel_config import load_parallel_config
    from tandem.common.typed_config import ConfigError
    from tandem.supervisor.supervise import running_elsewhere

    try:
        logs_dir = Path(load_parallel_config(Path(config_path)).logs_dir)
    except ConfigError:
        return  # the supervisor names the config's mistake, before anything starts
    refusal = running_elsewhere(logs_dir)
    if refusal:
        raise Exit(refusal, code=2)


def _stop_server(server: subprocess.Popen[str]) -> None:
    """Close its input (how it is meant to end), then SIGTERM, then SIGKILL, each after a wait."""
    assert server.stdin is not None
    server.stdin.close()
    for escalate in (server.terminate, server.kill):
        try:
            server.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            escalate()
    server.wait()


def _read_server_url(server: subprocess.Popen[str], timeout_s: float = 120.0) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if line.startswith("serving "):
            return line.split()[1]
        if not line and server.poll() is not None:
            raise Exit("error: the demo site server exited before serving", code=1)
    raise Exit("error: the demo site server did not start in time", code=1)


def _script(argv: list[str]) -> None:
    code = subprocess.run(argv, check=False).returncode
    if code != 0:
        raise Exit(code=code)


# -- running it like a service: detached runs, stop/restart from any terminal, the dashboard ----------
def _detach(c: Context, task_name: str, config_path: str, options: dict[str, object]) -> None:
    """The same task without --detach, in the background (tandem/app/detach.py; docs/service.md).
    Called in the workspace, with paths already resolved there."""
    from tandem.app.detach import detach, detached_argv

    code = detach(detached_argv(Path.cwd(), task_name, options), Path(config_path))
    if code:
        raise Exit(code=code)


CONTROL_LOGS_HELP = "where the run records are (default logs; logs_dir of parallel.yaml)"


@task(auto_shortflags=False, help={"process": "stop only this process (e.g. crawl); the others go on",
                                   "logs_dir": CONTROL_LOGS_HELP})
def stop(c: Context, process: str | None = None, logs_dir: str | None = None) -> None:
    """Stop the running run, or one process (invoke stop crawl), from any terminal.

    Like Ctrl-C: SIGTERM, then SIGKILL after shutdown.grace_s; a second stop forces. Waits until
    it has stopped."""
    from tandem.supervisor.control_cli import control

    # Invoke has no optional positional arguments: in `invoke stop crawl` the word after `stop`
    # reads as the next task. Take it as the process here, and end before that task would run.
    word = _word_after("stop", {"--process", "--logs-dir"})
    name = process or word
    code = control(_logs_folder(c, logs_dir), "stop", name, f"{_command(c)} stop{' ' + name if name else ''}")
    if code or word:
        raise Exit(code=code)


def _word_after(task_name: str, value_flags: set[str]) -> str | None:
    """The first bare word after `task_name` on the command line (flags and their values skipped)."""
    argv = sys.argv[1:]
    if task_name not in argv:
        return None
    index = argv.index(task_name) + 1
    while index < len(argv):
        token = argv[index]
        if not token.startswith("-"):
            return token
        index += 2 if token in value_flags else 1
    return None


@task(auto_shortflags=False, positional=["name"], help={"name": "the process to restart (e.g. train or crawl)",
                                                        "logs_dir": CONTROL_LOGS_HELP})
def restart(c: Context, name: str, logs_dir: str | None = None) -> None:
    """Restart process NAME of the running run, told to resume.

    It is stopped (grace, then killed) and started again at once with TANDEM_AUTO_RESUME=1."""
    from tandem.supervisor.control_cli import control

    code = control(_logs_folder(c, logs_dir), "restart", name, f"{_command(c)} restart {name}")
    if code:
        raise Exit(code=code)


@task(auto_shortflags=False, help={
            "port": "port on 127.0.0.1 (default 8765; 0: any free port)",
            "host": "address to listen on (default 127.0.0.1; anything else needs --allow-remote)",
            "allow_remote": "let other machines reach it (the token is still needed; prefer ssh -L)",
            "logs_dir": CONTROL_LOGS_HELP})
def dashboard(c: Context, port: str | None = None, host: str = "127.0.0.1", allow_remote: bool = False,
              logs_dir: str | None = None) -> None:
    """Serve the live dashboard of the latest run in the browser, until Ctrl-C.

    Prints the link to open; if a dashboard already serves this logs folder, prints its link."""
    from tandem.dashboard.dashboard_cli import main

    try:
        number = whole_number("--port", port, minimum=0, maximum=65535)
    except FlagError as exc:
        raise _usage(exc) from None
    argv = ["--logs-dir", str(_logs_folder(c, logs_dir)), "--port", str(8765 if number is None else number),
            "--host", host]
    argv += ["--allow-remote"] if allow_remote else []
    code = main(argv)
    if code:
        raise Exit(code=code)


# -- a project of one's own: what `pip install tandem` users start with -------------------------------
@task(auto_shortflags=False, positional=["folder"], help={
    "folder": "where to write the project, taken from where it is typed (default: this folder); a folder "
              "named like a task is written ./NAME",
    "force": "write the shipped files even where files are already there (those are moved aside, never deleted)"})
def init(c: Context, folder: str = ".", force: bool = False) -> None:
    """Write a project folder to run the kit in: configs/, logs/, data/, outputs/, _docs/, README.

    configs/ holds the shipped configs, commented; the README lists the next commands. Refuses to
    overwrite a file that is already there (exit 2, naming it) unless --force."""
    try:
        written, set_aside = write_project(Path(folder), force=force)
    except ProjectExists as exc:
        raise Exit(f"error: {exc}", code=exc.code) from None
    for old in set_aside:
        print(f"moved aside: {old}")
    where = "" if Path(folder).resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(f"wrote {len(written)} files and logs/ data/ outputs/ _docs/ in {folder}; "
          f"next: {where}{_command(c)} demo (README.md lists the rest)")


ns = Collection.from_module(sys.modules[__name__])
ns.configure({"tandem": {"workspace": None, "command": "invoke"}})
