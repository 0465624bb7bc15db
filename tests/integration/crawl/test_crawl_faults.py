"""The fetch layer against servers that misbehave on purpose: real crawl processes, real sockets.

Whatever one host does (a robots.txt that drops the connection, lies about its length, sends
garbage gzip or no HTTP at all, is 10 MB long, redirects into private address space), that is
the host's failure, counted and said in one line; the crawl goes on with the other hosts and
never connects where the address policy forbids.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.japanese_pages import article_page
from support.raw_http import RawSite, redirect, reply, reset_after


def page(number: int, links: list[str] | None = None) -> bytes:
    return reply(200, article_page(number, links or []))


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text(encoding="utf-8"))


def _good_routes(first: int) -> dict[str, bytes]:
    """A host with a home page and two articles, and no robots.txt (404: no rules)."""
    return {"/": page(first, ["/p1", "/p2"]), "/p1": page(first + 1), "/p2": page(first + 2)}


ROBOTS_FAULTS = {
    "connection reset mid-body": reset_after(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\nUser-agent: *\nDisal"),
    "body shorter than Content-Length": reply(200, b"User-agent: *\nDisallow: /x\n", "text/plain", content_length=5000),
    "garbage gzip": reply(200, b"\x1f\x8b\x08\x00 this is not gzip", "text/plain", {"Content-Encoding": "gzip"}),
    "no HTTP at all": b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n",
    "closed before answering": b"",
}


@pytest.mark.parametrize("fault", list(ROBOTS_FAULTS))
def test_a_broken_robots_txt_fails_its_host_not_the_crawl(fault, write_config, run_crawl, tmp_path) -> None:
    bad_routes = {"/robots.txt": ROBOTS_FAULTS[fault], "/": page(10)}
    with RawSite(_good_routes(0)) as good, RawSite(bad_routes) as bad:
        done = run_crawl(write_config(target=100), "--seeds", good.url("/"), bad.url("/"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    stats = _stats(tmp_path / "out")
    assert stats["finish_reason"] == "exhausted" and stats["kept"] == 3
    assert stats["dropped"]["robots_unreachable"] == 1  # the bad host's home page, counted
    # Unreadable rules: nothing else of that host (RFC 9309). aiohttp itself asks a second time
    # when the server closes the connection before answering.
    assert set(bad.requested) == {"/robots.txt"}
    said = [line for line in done.stderr.splitlines() if bad.url("/robots.txt") in line]
    assert len(said) == 1 and "robots_unreachable" in said[0]


def test_a_broken_robots_txt_does_not_break_the_resumed_crawl(write_config, run_crawl, tmp_path) -> None:
    bad_routes = {"/robots.txt": ROBOTS_FAULTS["body shorter than Content-Length"], "/": page(10)}
    with RawSite(_good_routes(0)) as good, RawSite(bad_routes) as bad:
        config = write_config(target=100)
        first = run_crawl(config, "--seeds", good.url("/"), bad.url("/"))
        resumed = run_crawl(config, "--seeds", good.url("/"), bad.url("/"))
    assert first.returncode == 0 and resumed.returncode == 0, resumed.stderr
    assert "1 URLs back in the queue" in resumed.stdout  # robots_unreachable is retried on resume ...
    assert bad.requested == ["/robots.txt", "/robots.txt"]  # ... and fails again, alone
    assert _stats(tmp_path / "out")["dropped"]["robots_unreachable"] == 2


def test_only_the_first_500_kib_of_a_huge_robots_txt_are_read_and_obeyed(write_config, run_crawl, tmp_path) -> None:
    padding = b"# " + b"x" * 97 + b"\n"
    robots = b"User-agent: *\nDisallow: /private/\n" + padding * 100_000  # 10 MB
    routes = {"/robots.txt": reply(200, robots, "text/plain"), "/": page(0, ["/private/p1", "/public/p1"]),
              "/private/p1": page(1), "/public/p1": page(2)}
    with RawSite(routes) as site:
        done = run_crawl(write_config(target=100), "--seeds", site.url("/"))
    assert done.returncode == 0, done.stderr
    assert "/private/p1" not in site.requested
    assert "/public/p1" in site.requested
    stats = _stats(tmp_path / "out")
    assert stats["kept"] == 2 and stats["dropped"]["robots"] == 1


PRIVATE_SPELLINGS = ["2130706434", "0x7f.0.0.2", "017700000002", "127.2", "0x7f000002"]  # all 127.0.0.2


def test_nothing_is_fetched_from_a_private_address_whatever_leads_there(write_config, run_crawl, tmp_path) -> None:
    """The test's own site is on 127.0.0.1, allowed by `private_address_allowlist`; the target, on
    127.0.0.2, is private like any intranet host and must never see a request."""
    with RawSite({"/robots.txt": reply(200, b"User-agent: *\nAllow: /\n", "text/plain")}, host="127.0.0.2") as target:
        port = target.port
        numeric = [f"http://{host}:{port}/numeric" for host in PRIVATE_SPELLINGS]
        sitemap = f'<urlset><url><loc>http://127.0.0.2:{port}/listed</loc></url></urlset>'.encode()
        redirecting_robots = {"/robots.txt": redirect(f"http://127.0.0.2:{port}/robots.txt"), "/": page(20)}
        routes = {"/": page(0, ["/p1", "/go", *numeric]), "/p1": page(1),
                  "/go": redirect(f"http://127.0.0.2:{port}/secret"),
                  "/sitemap.xml": reply(200, sitemap, "application/xml")}
        with RawSite(routes) as site, RawSite(redirecting_robots) as other:
            config = write_config(target=100, allow_private_networks=False, private_address_allowlist=["127.0.0.1"],
                                  allowed_domains=["127.0.0.1", "127.0.0.2"])
            done = run_crawl(config, "--seeds", site.url("/"), other.url("/"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert target.requested == []
    stats = _stats(tmp_path / "out")
    assert stats["kept"] == 2  # the site's home page and /p1
    assert stats["dropped"]["redirect_private_address"] == 1  # /go
    assert stats["refused_links"]["private_address"] == len(PRIVATE_SPELLINGS) + 1  # + the sitemap's URL
    assert stats["dropped"]["robots_unreachable"] == 1  # the host whose robots.txt leads there
    assert other.requested == ["/robots.txt"]
    assert "redirect_private_address" in done.stderr


@pytest.mark.parametrize("host", ["2130706433", "127.1"])  # every spelling: tests/unit/crawl/fetching
def test_a_numeric_spelling_of_a_private_address_is_refused_with_a_reason(
        host, write_config, run_crawl, tmp_path) -> None:
    with RawSite(_good_routes(0)) as site:
        done = run_crawl(write_config(allow_private_networks=False), "--seeds", f"http://{host}:{site.port}/")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "private_address" in done.stderr
    assert site.requested == []
