"""Task listings: served from memory for a while, loaded once however many ask at once."""

from __future__ import annotations

import asyncio

from madlab_server.listings import ListingCache


class _Loads:
    """Counts loads; each takes a moment and returns a numbered body."""

    def __init__(self) -> None:
        self.count = 0
        self.release = asyncio.Event()

    async def __call__(self) -> bytes:
        self.count += 1
        number = self.count
        await self.release.wait()
        return f'{{"load": {number}}}'.encode()


def test_concurrent_requests_for_an_expired_listing_wait_for_one_load() -> None:
    async def run() -> None:
        cache = ListingCache(ttl_s=60)
        loads = _Loads()
        waiting = [asyncio.ensure_future(cache.get(("acme", None), loads)) for _ in range(50)]
        await asyncio.sleep(0.01)
        loads.release.set()
        answers = await asyncio.gather(*waiting)
        assert loads.count == 1
        assert {a for a in answers} == {answers[0]}
        body, etag = answers[0]
        assert body == b'{"load": 1}' and etag.startswith('"') and len(etag) == 42
        assert await cache.get(("acme", None), loads) == answers[0]  # from memory
        assert loads.count == 1
        await cache.get(("acme", "docking"), loads)  # another category: its own entry
        assert loads.count == 2

    asyncio.run(run())


def test_an_expired_listing_is_loaded_again() -> None:
    async def run() -> None:
        cache = ListingCache(ttl_s=0.05)
        loads = _Loads()
        loads.release.set()
        first = await cache.get(("acme", None), loads)
        await asyncio.sleep(0.1)
        second = await cache.get(("acme", None), loads)
        assert (first[0], second[0]) == (b'{"load": 1}', b'{"load": 2}')
        assert first[1] != second[1]

    asyncio.run(run())


def test_a_registration_drops_the_listing_and_the_load_in_flight() -> None:
    async def run() -> None:
        cache = ListingCache(ttl_s=60)
        loads = _Loads()
        stale = asyncio.ensure_future(cache.get(("acme", None), loads))
        await asyncio.sleep(0.01)
        cache.drop("acme")  # a task was registered while the first load ran
        fresh = asyncio.ensure_future(cache.get(("acme", None), loads))
        await asyncio.sleep(0.01)
        loads.release.set()
        assert (await stale)[0] == b'{"load": 1}'
        assert (await fresh)[0] == b'{"load": 2}'
        # the load started before the registration was not kept
        assert (await cache.get(("acme", None), loads))[0] == b'{"load": 2}'
        assert loads.count == 2
        cache.drop("globex")  # another organization's drop changes nothing here
        assert (await cache.get(("acme", None), loads))[0] == b'{"load": 2}'

    asyncio.run(run())


def test_a_failed_load_is_not_kept_and_the_next_request_tries_again() -> None:
    async def run() -> None:
        cache = ListingCache(ttl_s=60)
        calls = []

        async def broken() -> bytes:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("store unreachable")
            return b"{}"

        try:
            await cache.get(("acme", None), broken)
        except RuntimeError as err:
            assert "unreachable" in str(err)
        else:  # pragma: no cover - the assertion's message
            raise AssertionError("the load's error was not raised")
        assert (await cache.get(("acme", None), broken))[0] == b"{}"

    asyncio.run(run())
