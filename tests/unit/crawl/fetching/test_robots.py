import asyncio

from tandem.crawl.fetching.robots import RobotsCache

UA = "tandem-test/1.0"


def _cache(responses: dict[str, object]) -> tuple[RobotsCache, list[str]]:
    calls: list[str] = []

    async def fetch(url: str) -> tuple[int, str]:
        calls.append(url)
        await asyncio.sleep(0)
        answer = responses[url]
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

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
