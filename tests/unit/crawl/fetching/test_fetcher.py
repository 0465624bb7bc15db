import asyncio

import pytest
from aiohttp import web

from tandem.crawl.crawl_config import FetchSettings
from tandem.crawl.fetching.addresses import AddressPolicy
from tandem.crawl.fetching.connections import make_session
from tandem.crawl.fetching.fetcher import Fetcher, FetchResult, parse_retry_after

HTML = "<html><body><p>こんにちは</p></body></html>".encode()


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(body=HTML, content_type="text/html", charset="utf-8")


async def _slow(_request: web.Request) -> web.Response:
    await asyncio.sleep(1.5)
    return web.Response(body=HTML, content_type="text/html")


async def _huge(_request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(_request)
    for _ in range(100):  # no Content-Length: the cap must stop the stream
        await response.write(b"x" * 16384)
    return response


def _answer(make):
    async def handler(request: web.Request) -> web.StreamResponse:
        answer = make(request)
        if isinstance(answer, web.HTTPException):
            raise answer
        return answer

    return handler


def _app() -> web.Application:
    app = web.Application()
    routes = [
        web.get("/ok", _ok),
        web.get("/404", _answer(lambda r: web.Response(status=404))),
        web.get("/500", _answer(lambda r: web.Response(status=500))),
        web.get("/429", _answer(lambda r: web.Response(status=429, headers={"Retry-After": "7"}))),
        web.get("/loop-a", _answer(lambda r: web.HTTPFound("/loop-b"))),
        web.get("/loop-b", _answer(lambda r: web.HTTPFound("/loop-a"))),
        web.get("/hop", _answer(lambda r: web.HTTPMovedPermanently("/ok#frag"))),
        web.get("/away", _answer(lambda r: web.HTTPFound("http://elsewhere.example/"))),
        web.get("/chain/{n}", _answer(lambda r: web.HTTPFound(f"/chain/{int(r.match_info['n']) + 1}"))),
        web.get("/slow", _slow),
        web.get("/huge", _huge),
        web.get("/binary", _answer(lambda r: web.Response(body=b"\x89PNG\r\n", content_type="image/png"))),
    ]
    app.add_routes(routes)
    return app


def _fetch_all(run_with_site, paths: list[str], settings: FetchSettings, allow_private: bool = True,
               hop=None) -> dict[str, FetchResult]:
    async def allow(_url: str) -> str | None:
        return None

    async def body(base: str) -> dict[str, FetchResult]:
        async with make_session(settings, 4, 4, AddressPolicy(allow_private)) as session:
            fetcher = Fetcher(session, settings)
            results = await asyncio.gather(*(fetcher.fetch(base + p, hop or allow) for p in paths))
            return dict(zip(paths, results, strict=True))

    return run_with_site(_app(), body)


def test_failures_are_results_with_reasons(run_with_site) -> None:
    settings = FetchSettings(total_timeout_s=0.5, read_timeout_s=0.5, max_bytes=100_000, max_redirects=3)
    paths = ["/ok", "/404", "/500", "/429", "/loop-a", "/hop", "/chain/0", "/slow", "/huge", "/binary"]
    results = _fetch_all(run_with_site, paths, settings)
    ok = results["/ok"]
    assert ok.error is None and ok.body == HTML and ok.status == 200
    assert {p: r.error for p, r in results.items() if p != "/ok"} == {
        "/404": "http_404", "/500": "http_500", "/429": "http_429", "/loop-a": "redirect_loop",
        "/hop": None, "/chain/0": "too_many_redirects", "/slow": "timeout", "/huge": "too_large",
        "/binary": "content_type",
    }
    assert results["/429"].retry_after_s == 7.0
    hop = results["/hop"]
    assert hop.url.endswith("/ok") and hop.redirects and hop.body == HTML
    assert results["/binary"].body is None


def test_redirect_hops_are_checked(run_with_site) -> None:
    async def refuse_other_hosts(url: str) -> str | None:
        return None if "127.0.0.1" in url else "off_domain"

    results = _fetch_all(run_with_site, ["/away"], FetchSettings(), hop=refuse_other_hosts)
    assert results["/away"].error == "redirect_off_domain"


def test_hostnames_resolving_to_private_addresses_are_refused(run_with_site) -> None:
    settings = FetchSettings(total_timeout_s=5.0)

    async def body(base: str) -> tuple[FetchResult, FetchResult]:
        local = base.replace("127.0.0.1", "localhost")

        async def allow(_url: str) -> None:
            return None

        async with make_session(settings, 2, 2, AddressPolicy()) as guarded, \
                make_session(settings, 2, 2, AddressPolicy(allow_private=True)) as open_session:
            refused = await Fetcher(guarded, settings).fetch(local + "/ok", allow)
            allowed = await Fetcher(open_session, settings).fetch(local + "/ok", allow)
            return refused, allowed

    refused, allowed = run_with_site(_app(), body)
    assert refused.error == "private_address"
    assert allowed.error is None


@pytest.mark.parametrize(("value", "seconds"), [("120", 120.0), (None, None), ("soon", None),
                                                ("Thu, 01 Jan 1970 00:01:40 GMT", 40.0)])
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=60.0) == seconds


# --- servers that misbehave on purpose (support.raw_http) -----------------------------------

from aiohttp.abc import AbstractResolver, ResolveResult  # noqa: E402
from support.raw_http import RawSite, redirect, reply, reset_after  # noqa: E402

from tandem.crawl.fetching.fetcher import ROBOTS_BODY, BodyRules  # noqa: E402

MISBEHAVIOURS = {
    "/reset": (reset_after(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 900\r\n\r\n<html>"),
               "truncated"),
    "/short": (reply(200, b"<html>", content_length=5000), "truncated"),
    "/bad-gzip": (reply(200, b"\x1f\x8b\x08\x00 this is not gzip", headers={"Content-Encoding": "gzip"}),
                  "bad_encoding"),
    "/not-http": (b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n", "bad_response"),
    "/silent-close": (b"", "network"),
}


def _fetch_raw(site: RawSite, url: str, policy: AddressPolicy, hop=None, rules: BodyRules | None = None,
               resolver: AbstractResolver | None = None) -> FetchResult:
    settings = FetchSettings(total_timeout_s=5.0)

    async def allow(_url: str) -> str | None:
        return None

    async def main() -> FetchResult:
        async with make_session(settings, 2, 2, policy, resolver) as session:
            return await Fetcher(session, settings).fetch(url, hop or allow, rules)

    return asyncio.run(main())


@pytest.mark.parametrize("path", list(MISBEHAVIOURS))
def test_a_misbehaving_server_gives_a_reason_not_an_exception(path: str) -> None:
    with RawSite({p: answer for p, (answer, _) in MISBEHAVIOURS.items()}) as site:
        result = _fetch_raw(site, site.url(path), AddressPolicy(allow_private=True))
    assert result.error == MISBEHAVIOURS[path][1] and result.body is None


def test_robots_body_keeps_the_first_500_kib_of_a_huge_file() -> None:
    huge = b"User-agent: *\nDisallow: /private/\n" + b"#" * 10_000_000
    with RawSite({"/robots.txt": reply(200, huge, "text/plain")}) as site:
        result = _fetch_raw(site, site.url("/robots.txt"), AddressPolicy(allow_private=True), rules=ROBOTS_BODY)
    assert result.error is None and result.truncated
    assert result.body == huge[:500 * 1024]


def test_the_connection_itself_is_checked_even_when_every_hop_is_allowed() -> None:
    """The socket gate: a redirect to another private address is refused where the connection is
    made, although the hop check (here: none) lets it through."""
    with RawSite({"/": reply(200, b"<html>secret</html>")}, host="127.0.0.2") as target, \
            RawSite({"/go": redirect(target.url("/"))}) as site:
        result = _fetch_raw(site, site.url("/go"), AddressPolicy.from_config(False, ["127.0.0.1"]))
        assert result.error == "private_address"
        assert target.requested == []


class MadeUpNames(AbstractResolver):
    """A resolver that knows names no DNS has: `intranet.example` is 127.0.0.2."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        address = {"intranet.example": "127.0.0.2", "own-site.example": "127.0.0.1"}[host]
        return [{"hostname": host, "host": address, "port": port, "family": 2, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


def test_a_name_is_checked_once_resolved() -> None:
    with RawSite({"/": reply(200, b"<html>x</html>")}, host="127.0.0.2") as target, \
            RawSite({"/": reply(200, b"<html>y</html>")}) as site:
        policy = AddressPolicy.from_config(False, ["127.0.0.1"])
        refused = _fetch_raw(site, f"http://intranet.example:{target.port}/", policy, resolver=MadeUpNames())
        allowed = _fetch_raw(site, f"http://own-site.example:{site.port}/", policy, resolver=MadeUpNames())
        assert refused.error == "private_address" and target.requested == []
        assert allowed.error is None and allowed.body == b"<html>y</html>"
