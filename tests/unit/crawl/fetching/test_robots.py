import asyncio

from tandem.crawl.fetching.fetcher import FetchResult
from tandem.crawl.fetching.robots import HostRules, RobotsCache, rules_from_answer

UA = "tandem-test/1.0"


def _cache(responses: dict[str, object]) -> tuple[RobotsCache, list[str]]:
    calls: list[str] = []

    async def fetch(url: str) -> FetchResult:
        calls.append(url)
        await asyncio.sleep(0)
        answer = responses[url]
        if isinstance(answer, Exception):
            raise answer
        status, text = answer  # type: ignore[misc]
        error = None if status == 200 else f"http_{status}"
        return FetchResult(url, status, body=text.encode() if status == 200 else None, error=error)

    return RobotsCache(fetch, UA), calls


def test_rules_are_fetched_once_per_host_and_obeyed() -> None:
    robots_txt = "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n"
    cache, calls = _cache({"http://a.jp/robots.txt": (200, robots_txt)})

    async def main() -> list[bool]:
        urls = ["http://a.jp/ok", "http://a.jp/private/x", "http://a.jp/other"]
        return list(await asyncio.gather(*(cache.allowed(u) for u in urls)))

    assert asyncio.run(main()) == [True, False, True]
    assert calls == ["http://a.jp/robots.txt"]

    async def delay() -> float | None:
        return (await cache.rules_for("http://a.jp/")).crawl_delay(UA)

    assert asyncio.run(delay()) == 2.0


def test_missing_robots_allows_and_broken_robots_disallows() -> None:
    cache, _ = _cache({
        "http://gone.jp/robots.txt": (404, ""),
        "http://broken.jp/robots.txt": (503, ""),
        "http://down.jp/robots.txt": OSError("refused"),
    })

    async def main() -> list[bool]:
        return [await cache.allowed(u) for u in ("http://gone.jp/a", "http://broken.jp/a", "http://down.jp/a")]

    assert asyncio.run(main()) == [True, False, False]

    async def refusals() -> list[str]:
        return [(await cache.rules_for(u)).refusal for u in ("http://broken.jp/a", "http://down.jp/a")]

    assert asyncio.run(refusals()) == ["robots_unreachable", "robots_unreachable"]


def test_a_failed_transfer_disallows_the_host_and_a_raising_fetch_breaks_nothing(capsys) -> None:
    answers = {
        "http://cut.jp/robots.txt": FetchResult("http://cut.jp/robots.txt", 200, error="truncated"),
        "http://gz.jp/robots.txt": FetchResult("http://gz.jp/robots.txt", 200, error="bad_encoding"),
        "http://ssrf.jp/robots.txt": FetchResult("http://ssrf.jp/robots.txt", 302, error="redirect_private_address"),
        "http://busy.jp/robots.txt": FetchResult("http://busy.jp/robots.txt", 429, error="http_429"),
    }

    async def fetch(url: str) -> FetchResult:
        if url == "http://bug.jp/robots.txt":
            raise RuntimeError("a bug in the fetcher")
        return answers[url]

    cache = RobotsCache(fetch, UA)

    async def main() -> list[HostRules]:
        hosts = ["cut", "gz", "ssrf", "busy", "bug"]
        return [await cache.rules_for(f"http://{host}.jp/page") for host in hosts]

    rules = asyncio.run(main())
    assert all(r.disallow_all and r.refusal == "robots_unreachable" for r in rules)
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 5 and "redirect_private_address" in said[2] and "RuntimeError" in said[4]


def test_only_what_was_read_is_obeyed_and_a_cut_line_is_dropped() -> None:
    body = b"User-agent: *\nDisallow: /private/\nDisallow: /secret-but-cu"
    rules = rules_from_answer(FetchResult("http://a.jp/robots.txt", 200, body=body, truncated=True))
    assert not rules.allows("http://a.jp/private/p1", UA)
    assert rules.allows("http://a.jp/secret-but-cut-here", UA)  # half a rule is not a rule
    assert rules.allows("http://a.jp/secret-but-cu", UA)


def test_sitemap_lines_are_kept() -> None:
    body = "\ufeffUser-agent: *\nDisallow: /x\nSitemap: http://a.jp/s1.xml\nsitemap: /s2.xml.gz\n".encode()
    rules = rules_from_answer(FetchResult("http://a.jp/robots.txt", 200, body=body))
    assert rules.sitemaps == ("http://a.jp/s1.xml", "/s2.xml.gz")
    assert not rules.allows("http://a.jp/x", UA)  # the byte-order mark does not hide the first line
