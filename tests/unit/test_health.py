"""``GET /healthz`` answers from memory: an orchestrator polls it often, and a database outage
must not turn every poll into a failing round trip (nor restart a bot that is waiting it out)."""

from __future__ import annotations

import httpx
from aiohttp import web

from adapters.web import build_web_app


async def test_health_answers_without_any_database() -> None:
    runner = web.AppRunner(build_web_app())  # it is given no engine: it cannot query one
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{runner.addresses[0][1]}/healthz")
    finally:
        await runner.cleanup()
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
