"""The one HTTP server: health for orchestrators, and Slack's events in HTTP mode."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

SLACK_PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"

log = logging.getLogger(__name__)


async def _healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(slack: AsyncApp | None = None) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", _healthz)
    if slack is not None:

        async def slack_events(request: web.Request) -> web.Response:
            # Bolt parses the body before it checks the signature, and its check reads the
            # timestamp as a number: what no Slack request carries is refused here, as a
            # client error, instead of reaching aiohttp as a server error with a traceback.
            try:
                int(request.headers.get(TIMESTAMP_HEADER, "0"))
                bolt_request = await to_bolt_request(request)
            except (ValueError, AttributeError, TypeError) as error:
                log.warning("refused a request to %s that is not Slack's: %s", SLACK_PATH, error)
                return web.Response(status=400, text="malformed request")
            return await to_aiohttp_response(await slack.async_dispatch(bolt_request))

        app.router.add_post(SLACK_PATH, slack_events)
    return app
