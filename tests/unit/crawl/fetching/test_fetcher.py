import asyncio

import pytest
from aiohttp import web

from tandem.crawl.crawl_config import FetchSettings
from tandem.crawl.fetching.fetcher import Fetcher, FetchResult, make_session, parse_retry_after

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
        async with make_session(settings, workers=4, per_host=4, allow_private=allow_private) as session:
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

        async with make_session(settings, 2, 2, allow_private=False) as guarded, \
                make_session(settings, 2, 2, allow_private=True) as open_session:
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
