"""The one HTTP server: health for orchestrators, and Slack's events in HTTP mode."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

SLACK_PATH = "/slack/events"


async def _healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(slack: AsyncApp | None = None) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", _healthz)
    if slack is not None:

        async def slack_events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await slack.async_dispatch(await to_bolt_request(request))
            )

        app.router.add_post(SLACK_PATH, slack_events)
    return app
