"""The web graph of bench_frontier.py, served on 127.0.0.1: real manuals behind generated junk.

Real: five Debian packages of Japanese documentation (debian_ja_sites.py fetches them with
apt-get), each served as shipped on its own port (its own host to the crawler), its pages linked
among themselves by their own generators (DocBook, Sphinx). Junk: generated pages on 40 more
ports, linked at random to each other (12-60 links a page): English filler, katakana keyword
spam, link farms with nothing but links, and an endless calendar (`/cal?date=...`, each day
linking the next). Each manual's home page is linked from three junk pages drawn at random, so
a crawl from the junk home page finds the manuals somewhere in the junk. `seed` draws the graph:
the entrances and every page's links come from random generators seeded apart (one seeded like
a page's would make that page link every entrance), so each seed is another graph of the same
make. Every request is logged with its time, for the per-host gaps.
"""

from __future__ import annotations

import datetime
import html
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Manual:
    name: str  # as debian_ja_sites.SITES names it
    folder: str  # under the unpacked package
    home: str  # the page "/" serves


MANUALS = (
    Manual("aptitude", "usr/share/doc/aptitude/html/ja", "index.html"),
    Manual("debian-faq", "usr/share/doc/debian/FAQ/ja", "index.ja.html"),
    Manual("debian-policy", "usr/share/doc/debian-policy/ja/policy.html", "index.html"),
    Manual("maint-guide", "usr/share/doc/maint-guide-ja/html", "index.ja.html"),
    Manual("debian-edu", "usr/share/doc/debian-edu-doc-ja",
           "debian-edu-bookworm-manual.html"),
)
JUNK_HOSTS = 40
LINKS_PER_JUNK_PAGE = 12
LINKS_PER_FARM = 60
ENTRANCES_PER_MANUAL = 3
_ENGLISH = ("the system provides several options for users who want to configure their network settings "
            "and manage packages with care while reading documentation about software updates and the "
            "weather in the city during a long holiday near the station with shops and cafes")
_WORDS = tuple(re.findall(r"[a-z]+", _ENGLISH))
_PRODUCTS = ("スマートフォン", "タブレット", "ノートパソコン", "ワイヤレスイヤホン", "モバイルバッテリー",
             "スマートウォッチ", "ゲーミングマウス", "キーボード", "モニター", "カメラ", "プリンター", "ルーター")
_SPAM_WORDS = ("激安", "最安値", "送料無料", "通販", "セール", "ランキング", "口コミ", "比較")


@dataclass
class RequestLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[int, str, float]] = field(default_factory=list)  # (port, path, monotonic)

    def add(self, port: int, path: str) -> None:
        with self.lock:
            self.requests.append((port, path, time.monotonic()))


class JunkWeb:
    """`pages` junk pages spread over the junk hosts; `entrances` maps a junk page to the manual
    home pages it links."""

    def __init__(self, pages: int, manual_homes: list[str], seed: int = 7) -> None:
        self.pages = pages
        self.seed = seed
        self.ports: list[int] = []
        draw = random.Random(f"{seed}:entrances")
        self.entrances: dict[int, list[str]] = {}
        for home in manual_homes:
            for _ in range(ENTRANCES_PER_MANUAL):
                self.entrances.setdefault(draw.randrange(pages), []).append(home)

    def url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.ports[number % len(self.ports)]}/p/{number}.html"

    def home(self) -> bytes:
        links = [(self.url(i), f"Section {i}") for i in range(min(20, self.pages))]
        return _page("Welcome", ["Welcome to our portal. " * 5], links)

    def page(self, path: str, query: str) -> bytes | None:
        if path == "/cal":
            return self._calendar(parse_qs(query).get("date", ["2026-01-01"])[0])
        if not (path.startswith("/p/") and path.endswith(".html")):
            return None
        try:
            number = int(path[3:-5])
        except ValueError:
            return None
        if not 0 <= number < self.pages:
            return None
        draw = random.Random(f"{self.seed}:page:{number}")
        kind = number % 3
        count = LINKS_PER_FARM if kind == 2 else LINKS_PER_JUNK_PAGE
        targets = [draw.randrange(self.pages) for _ in range(count)]
        entrances = [(home, "Documentation") for home in self.entrances.get(number, [])]
        if kind == 0:  # English filler, with a way into the calendar
            text = [" ".join(draw.choice(_WORDS) for _ in range(60)).capitalize() + "." for _ in range(6)]
            links = [(self.url(t), f"Read more {t}") for t in targets]
            links.append((f"http://127.0.0.1:{self.ports[0]}/cal?date=2026-{1 + number % 12:02d}-01", "Events"))
        elif kind == 1:  # keyword spam, all Japanese
            text = ["、".join(draw.choice(_PRODUCTS) + draw.choice(_SPAM_WORDS) for _ in range(40)) + "。"
                    for _ in range(4)]
            links = [(self.url(t), draw.choice(_PRODUCTS) + draw.choice(_SPAM_WORDS)) for t in targets]
        else:  # a link farm
            text = ["Links"]
            links = [(self.url(t), f"Best deals page {t}") for t in targets]
        return _page(f"Page {number}", text, entrances + links)

    def _calendar(self, date: str) -> bytes:
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            day = datetime.date(2026, 1, 1)
        step = datetime.timedelta(days=1)
        links = [(f"/cal?date={d.isoformat()}", d.isoformat()) for d in (day - step, day + step, day + 30 * step)]
        return _page(f"Events {day}", [f"Events on {day.isoformat()}: nothing scheduled yet."], links)


def _page(title: str, paragraphs: list[str], links: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    anchors = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a></li>' for u, t in links)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body><h1>{html.escape(title)}</h1>{body}<ul>{anchors}</ul></body></html>").encode()


def _handler(port_of: dict[int, object], log: RequestLog) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            port = int(self.connection.getsockname()[1])  # the port this request came in on
            log.add(port, self.path)
            parts = urlsplit(self.path)
            site = port_of[port]
            body: bytes | None = None
            if isinstance(site, JunkWeb):
                body = site.home() if parts.path == "/" else site.page(parts.path, parts.query)
            elif isinstance(site, tuple):
                folder, home = site
                relative = home if parts.path == "/" else parts.path.lstrip("/")
                target = (folder / relative).resolve()
                if target.is_relative_to(folder) and target.suffix == ".html" and target.is_file():
                    body = target.read_bytes()
            if body is None:
                self._send(404, b"not found")
            else:
                self._send(200, body, "text/html")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A crawl that reached its target drops its connections: not an error."""


@dataclass
class ServedGraph:
    junk: JunkWeb
    manual_ports: dict[int, str]  # port -> manual name
    log: RequestLog
    servers: list[ThreadingHTTPServer]

    @property
    def seed(self) -> str:
        return f"http://127.0.0.1:{self.junk.ports[0]}/"

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def serve_graph(roots: dict[str, Path], junk_share: float, seed: int = 7) -> tuple[ServedGraph, int]:
    """Serve the manuals and as many junk pages as make `junk_share` of all pages, the junk drawn
    from `seed`; returns the graph and the number of manual pages."""
    log = RequestLog()
    port_of: dict[int, object] = {}
    servers: list[ThreadingHTTPServer] = []
    handler = _handler(port_of, log)

    def start() -> int:
        server = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1])

    manual_ports: dict[int, str] = {}
    manual_pages = 0
    for manual in MANUALS:
        folder = (roots[manual.name] / manual.folder).resolve()
        manual_pages += len(list(folder.rglob("*.html")))
        port = start()
        port_of[port] = (folder, manual.home)
        manual_ports[port] = manual.name
    junk_pages = round(manual_pages * junk_share / (1 - junk_share))
    junk = JunkWeb(junk_pages, [f"http://127.0.0.1:{port}/" for port in manual_ports], seed)
    for _ in range(JUNK_HOSTS):
        port = start()
        port_of[port] = junk
        junk.ports.append(port)
    return ServedGraph(junk, manual_ports, log, servers), manual_pages
