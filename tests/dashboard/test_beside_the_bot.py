"""The dashboard's routes added to the bot's own HTTP server, beside its health and metrics."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from adapters.dashboard.routes import add_dashboard
from adapters.web import build_web_app
from bot.core import Core


async def test_the_dashboard_is_served_beside_the_health_check(core: Core) -> None:
    app = build_web_app()
    add_dashboard(app, core, secure=False)
    async with TestClient(TestServer(app)) as client:
        health = await client.get("/healthz")
        assert health.status == 200
        front = await client.get("/")
        assert front.status == 200
        assert "/roadmap dashboard" in await front.text()
        style = await client.get("/static/style.css")
        assert style.status == 200
        assert style.content_type == "text/css"
