"""The public URL's part of the pre-flight: does ``GET <PUBLIC_URL>/healthz`` reach this host's
port, as Slack's requests to ``<PUBLIC_URL>/slack/events`` must.

``check`` runs before ``run``, when nothing serves the port yet; so while it asks, it answers
``/healthz`` on the bot's port itself (when the port is free) and the answer proves the way in
works. When the port is taken (the bot is running), the bot answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from aiohttp import web

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome
from adapters.app.settings import Settings
from adapters.web import build_web_app

TIMEOUT_S = 5.0


async def check_public_url(settings: Settings, timeout_s: float = TIMEOUT_S) -> Outcome:
    assert settings.public_url is not None
    url = f"{settings.public_url}/healthz"
    async with _standing_in(settings.host, settings.port) as standing_in:
        try:
            async with httpx.AsyncClient(timeout=timeout_s) as client:
                answer = await client.get(url)
        except httpx.TimeoutException:
            problem = f"no answer within {timeout_s:.0f} s"
            return words.public_url_silent(url, problem, settings.port)
        except httpx.HTTPError as error:
            return words.public_url_silent(url, words.reason(error), settings.port)
    if answer.status_code != 200:
        return words.public_url_silent(url, f"HTTP {answer.status_code}", settings.port)
    return words.public_url_answers(url, settings.port, standing_in)


@asynccontextmanager
async def _standing_in(host: str, port: int) -> AsyncIterator[bool]:
    """Serve the bot's own ``/healthz`` on its port for the block; ``False`` when the port
    cannot be opened (taken by the running bot, most likely), and nothing is served."""
    runner = web.AppRunner(build_web_app(), access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            # Taken, or not this process's to open: asking is all that is left.
            yield False
            return
        yield True
    finally:
        await runner.cleanup()
