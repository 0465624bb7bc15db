"""`invoke dashboard` / `python -m tandem.dashboard`: serve the page until Ctrl-C, or, started by a
run (`dashboard.enabled` in parallel.yaml), until that run ends or its supervisor is gone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import secrets
import signal
import sys
from pathlib import Path

import psutil

from tandem.common.kit_command import kit_command
from tandem.contracts.exit_codes import EXIT_SIGINT
from tandem.contracts.run_record import supervisor_alive
from tandem.dashboard.dashboard_config import LOCAL_HOSTS
from tandem.dashboard.discovery import DashboardInfo, read_dashboard_info, remove_dashboard_info, write_dashboard_info
from tandem.dashboard.snapshot import RunReader

CHECK_EVERY_S = 1.0
LINGER_S = 3.0  # after its run ended, so that an open page shows how it ended
NO_RECORD_TIMEOUT_S = 60.0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tandem.dashboard", description=__doc__)
    parser.add_argument("--logs-dir", type=Path, default=Path("logs"), help="where the run records are")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free one)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="needed to listen on anything but this machine's loopback address")
    parser.add_argument("--run", help="RUN_ID to show (default: the latest run, following new ones)")
    parser.add_argument("--with-run", action="store_true",
                        help="end when the run given by --run ends or its supervisor is gone")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.host not in LOCAL_HOSTS and not args.allow_remote:
        print(f"error: --host {args.host}: other machines could reach the dashboard; add --allow-remote "
              f"if you mean it (its token is still needed, but the traffic is plain HTTP: "
              f"`ssh -L 8765:127.0.0.1:8765 HOST` is safer)", file=sys.stderr)
        return 2
    if args.with_run and not args.run:
        print("error: --with-run needs --run RUN_ID", file=sys.stderr)
        return 2
    if args.run is None:
        running = read_dashboard_info(args.logs_dir)
        if running is not None:
            print(f"a dashboard already serves {args.logs_dir} (pid {running.pid}): {running.link_for(sys.stdout)}")
            return 0
    try:
        import aiohttp  # noqa: F401  (the crawl's HTTP library serves the page too)
    except ImportError:
        print("error: the dashboard needs aiohttp: pip install 'tandem[dashboard]'", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:
        return EXIT_SIGINT


async def serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from tandem.dashboard.server import REQUEST_READ_TIMEOUT_S, Dashboard

    token = secrets.token_urlsafe(24)
    reader = RunReader(args.logs_dir, args.run)
    dashboard = Dashboard(reader, token, check_host=args.host in LOCAL_HOSTS)
    runner = web.AppRunner(dashboard.app(), access_log=None, handle_signals=False,
                           keepalive_timeout=REQUEST_READ_TIMEOUT_S)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror or exc})"
        print(f"error: dashboard: {args.host} port {args.port} {why} (dashboard.port in parallel.yaml, "
              f"or {kit_command()} dashboard --port)", file=sys.stderr, flush=True)
        return 2
    port = runner.addresses[0][1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    me = psutil.Process()
    info = DashboardInfo(f"http://{host}:{port}/", token, me.pid, me.create_time(), args.run)
    write_dashboard_info(args.logs_dir, info)
    print(f"dashboard: {info.link_for(sys.stdout)}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
            loop.add_signal_handler(signum, stop.set)
    try:
        if args.with_run:
            await _until_run_ends(reader, stop)
        else:
            await stop.wait()
    finally:
        remove_dashboard_info(args.logs_dir, me.pid)
        await runner.cleanup()
    return 0


async def _until_run_ends(reader: RunReader, stop: asyncio.Event) -> None:
    parent = os.getppid()
    waited = 0.0
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), CHECK_EVERY_S)
        waited += CHECK_EVERY_S
        record = reader.record()
        if record is not None and (record.finished or not supervisor_alive(record)):
            await asyncio.sleep(LINGER_S)
            return
        if os.getppid() != parent or (record is None and waited > NO_RECORD_TIMEOUT_S):
            return  # the supervisor that started it is gone


if __name__ == "__main__":
    raise SystemExit(main())
