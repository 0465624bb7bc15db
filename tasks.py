"""tandem's front door: `invoke --list`, `invoke --help TASK`.

Tasks are thin: each composes the package's supervisor or a standalone script in `scripts/`.
Exit status (docs/exit-codes.md): 0 all succeeded, 1 a process failed, 2 bad usage or config,
130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from invoke import Context, Exit, task

from tandem.app.parallel_run import run_parallel
from tandem.supervisor.launch_plan import SupervisorRequest

PARALLEL_CONFIG = "configs/parallel.yaml"
TRAIN_CONFIG = "configs/training_config.yaml"
CRAWL_CONFIG = "configs/crawl_config.yaml"
LOGS_DIR = Path("logs")

PARALLEL_HELP = "supervisor config: processes, restart, shutdown, monitor, notify (default configs/parallel.yaml)"
NO_AUTO_RESUME_HELP = ("start afresh: no restarts after a crash, and children move their old output "
                       "aside (renamed with a timestamp, never deleted) instead of resuming")
NO_WEB_CRAWL_HELP = "crawl the local_sources of the crawl config (txt/html/jsonl/WARC) instead of the web"
DETACH_HELP = ("start in the background (a session of its own: closing the terminal does not stop it) and "
               "return at once; then invoke status / logs --follow / stop / restart NAME / dashboard")


def _supervise(kind: str, only: list[str] | None, config: str, train_config: str, crawl_config: str,
               crawl_target: int, crawl_workers: int, no_web_crawl: bool, no_auto_resume: bool,
               extra: dict[str, str] | None = None) -> None:
    request = SupervisorRequest(
        config_path=Path(config),
        kind=kind,
        only=only,
        placeholders={"train_config": train_config, "crawl_config": crawl_config,
                      "crawl_target": str(crawl_target), "crawl_workers": str(crawl_workers),
                      **(extra or {})},
        auto_resume=not no_auto_resume,
        web_crawl=not no_web_crawl,
        switches={"no_web_crawl": "--no-web-crawl" if no_web_crawl else None,
                  "no_auto_resume": "--no-auto-resume" if no_auto_resume else None},
    )
    code = run_parallel(request)
    if code != 0:
        raise Exit(code=code)


@task(help={
    "config": PARALLEL_HELP,
    "train_config": "training config passed to the train process (default configs/training_config.yaml)",
    "crawl_config": "crawl config passed to the crawl process (default configs/crawl_config.yaml)",
    "crawl_target": "number of clean Japanese samples the crawl keeps before it stops (default 10000)",
    "crawl_workers": "concurrent fetches of the crawl (default 4)",
    "no_web_crawl": NO_WEB_CRAWL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "detach": DETACH_HELP,
})
def parallel(c: Context, config: str = PARALLEL_CONFIG, train_config: str = TRAIN_CONFIG,
             crawl_config: str = CRAWL_CONFIG, crawl_target: int = 10000, crawl_workers: int = 4,
             no_web_crawl: bool = False, no_auto_resume: bool = False, detach: bool = False) -> None:
    """Train and crawl side by side, supervised: logs in logs/, record in logs/runs/, report in _docs/."""
    if detach:
        return _detach("parallel", config, {
            "config": config, "train_config": train_config, "crawl_config": crawl_config,
            "crawl_target": crawl_target, "crawl_workers": crawl_workers, "no_web_crawl": no_web_crawl,
            "no_auto_resume": no_auto_resume})
    _supervise("parallel", None, config, train_config, crawl_config, crawl_target, crawl_workers,
               no_web_crawl, no_auto_resume)


@task(help={
    "config": "training config (default configs/training_config.yaml)",
    "parallel_config": PARALLEL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "detach": DETACH_HELP,
})
def train(c: Context, config: str = TRAIN_CONFIG, parallel_config: str = PARALLEL_CONFIG,
          no_auto_resume: bool = False, detach: bool = False) -> None:
    """Run the train process alone, with the same supervision, logs, record and report."""
    if detach:
        return _detach("train", parallel_config, {"config": config, "parallel_config": parallel_config,
                                                  "no_auto_resume": no_auto_resume})
    _supervise("train", ["train"], parallel_config, config, CRAWL_CONFIG, 10000, 4, False, no_auto_resume)


@task(help={
    "config": "crawl config (default configs/crawl_config.yaml)",
    "target": "number of clean Japanese samples to keep (default 10000)",
    "workers": "concurrent fetches (default 4)",
    "parallel_config": PARALLEL_HELP,
    "no_web_crawl": NO_WEB_CRAWL_HELP,
    "no_auto_resume": NO_AUTO_RESUME_HELP,
    "detach": DETACH_HELP,
})
def crawl(c: Context, config: str = CRAWL_CONFIG, target: int = 10000, workers: int = 4,
          parallel_config: str = PARALLEL_CONFIG, no_web_crawl: bool = False,
          no_auto_resume: bool = False, detach: bool = False) -> None:
    """Run the crawl process alone, with the same supervision, logs, record and report."""
    if detach:
        return _detach("crawl", parallel_config, {
            "config": config, "target": target, "workers": workers, "parallel_config": parallel_config,
            "no_web_crawl": no_web_crawl, "no_auto_resume": no_auto_resume})
    _supervise("crawl", ["crawl"], parallel_config, TRAIN_CONFIG, config, target, workers,
               no_web_crawl, no_auto_resume)


@task(help={"run": "RUN_ID (YYYYMMDD_HHMMSS) of the run to report on (default: the latest)",
            "logs_dir": "where the run records are (default logs)",
            "docs_dir": "where reports go (default _docs)"})
def report(c: Context, run: str | None = None, logs_dir: str = "logs", docs_dir: str = "_docs") -> None:
    """Rebuild a run's Markdown report from its record (scripts/report.py)."""
    argv = [sys.executable, "scripts/report.py", "--logs-dir", logs_dir, "--docs-dir", docs_dir]
    if run:
        argv += ["--run", run]
    _script(argv)


@task(help={"message": "text of the notification (default: the latest run's summary line)",
            "sound": "WAV file to play (default: notify.sound of the config, else the kit's chime)",
            "config": PARALLEL_HELP})
def notify(c: Context, message: str | None = None, sound: str | None = None,
           config: str = PARALLEL_CONFIG) -> None:
    """Play the end-of-run sound and send the notifications configured in parallel.yaml."""
    argv = [sys.executable, "scripts/notify.py", "--config", config]
    if message:
        argv += ["--message", message]
    if sound:
        argv += ["--sound", sound]
    _script(argv)


@task(help={"logs_dir": "where the run records are (default logs)"})
def status(c: Context, logs_dir: str = "logs") -> None:
    """The latest (or current) run: each process, PID, alive or not, progress, last log line."""
    from tandem.supervisor.run_view import show_status

    code = show_status(Path(logs_dir))
    if code:
        raise Exit(code=code)


@task(help={"follow": "keep printing new lines until the run ends (Ctrl-C to leave)",
            "process": "only this process's log (e.g. train or crawl)",
            "logs_dir": "where the run records are (default logs)"})
def logs(c: Context, follow: bool = False, process: str | None = None, logs_dir: str = "logs") -> None:
    """The latest run's logs, each line prefixed with [train]/[crawl]."""
    from tandem.supervisor.run_view import show_logs

    code = show_logs(Path(logs_dir), follow, process)
    if code:
        raise Exit(code=code)


@task(help={"pages": "pages of the generated demo site (default 500)",
            "crawl_target": "samples the demo crawl keeps (default 300)",
            "resume": "continue the previous demo instead of starting afresh (old output is moved aside)",
            "detach": DETACH_HELP})
def demo(c: Context, pages: int = 500, crawl_target: int = 300, resume: bool = False, detach: bool = False) -> None:
    """The whole kit offline: serve the bundled demo site on 127.0.0.1, crawl it while a tiny
    model trains on what arrives, then report and notify."""
    if detach:
        return _detach("demo", "configs/demo/parallel.yaml",
                       {"pages": pages, "crawl_target": crawl_target, "resume": resume})
    # The server stops when its stdin ends: this process holds the pipe's other end, so the server
    # goes with it however it ends (kill -9 included), never left serving for ever.
    server = subprocess.Popen(
        [sys.executable, "scripts/demo_site.py", "serve", "--root", "data/demo_site", "--pages", str(pages),
         "--port", "0", "--until-stdin-closes"],
        stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
    )
    try:
        url = _read_server_url(server)
        print(f"demo site: {url}")
        _supervise("parallel", None, "configs/demo/parallel.yaml", "configs/demo/training.yaml",
                   "configs/demo/crawl.yaml", crawl_target, 4, False, not resume, {"demo_url": url})
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


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
def _detach(task_name: str, config_path: str, options: dict[str, object]) -> None:
    """The same task without --detach, in the background (tandem/app/detach.py; docs/service.md)."""
    from tandem.app.detach import detach, detached_argv

    code = detach(detached_argv(Path(__file__).resolve().parent, task_name, options), Path(config_path))
    if code:
        raise Exit(code=code)


CONTROL_LOGS_HELP = "where the run records are (default logs; logs_dir of parallel.yaml)"


@task(help={"process": "stop only this process (e.g. crawl); the others go on", "logs_dir": CONTROL_LOGS_HELP})
def stop(c: Context, process: str | None = None, logs_dir: str = "logs") -> None:
    """Stop the running run, or one process (invoke stop crawl), from any terminal.

    Like Ctrl-C: SIGTERM, then SIGKILL after shutdown.grace_s; a second stop forces. Waits until
    it has stopped."""
    from tandem.supervisor.control_cli import control

    # Invoke has no optional positional arguments: in `invoke stop crawl` the word after `stop`
    # reads as the next task. Take it as the process here, and end before that task would run.
    word = _word_after("stop", {"--process", "-p", "--logs-dir", "-l"})
    name = process or word
    code = control(Path(logs_dir), "stop", name, f"invoke stop{' ' + name if name else ''}")
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


@task(positional=["name"], help={"name": "the process to restart (e.g. train or crawl)",
                                 "logs_dir": CONTROL_LOGS_HELP})
def restart(c: Context, name: str, logs_dir: str = "logs") -> None:
    """Restart process NAME of the running run, told to resume.

    It is stopped (grace, then killed) and started again at once with TANDEM_AUTO_RESUME=1."""
    from tandem.supervisor.control_cli import control

    code = control(Path(logs_dir), "restart", name, f"invoke restart {name}")
    if code:
        raise Exit(code=code)


@task(help={"port": "port on 127.0.0.1 (default 8765; 0: any free port)",
            "host": "address to listen on (default 127.0.0.1; anything else needs --allow-remote)",
            "allow_remote": "let other machines reach it (the token is still needed; prefer ssh -L)",
            "logs_dir": CONTROL_LOGS_HELP})
def dashboard(c: Context, port: int = 8765, host: str = "127.0.0.1", allow_remote: bool = False,
              logs_dir: str = "logs") -> None:
    """Serve the live dashboard of the latest run in the browser, until Ctrl-C.

    Prints the link to open; if a dashboard already serves this logs folder, prints its link."""
    from tandem.dashboard.dashboard_cli import main

    argv = ["--logs-dir", logs_dir, "--port", str(port), "--host", host] + (["--allow-remote"] if allow_remote else [])
    code = main(argv)
    if code:
        raise Exit(code=code)
