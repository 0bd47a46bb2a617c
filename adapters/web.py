"""The one HTTP server: liveness and readiness for orchestrators, metrics for Prometheus,
Slack's events in HTTP mode, and the dashboard."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from adapters.app.readiness import Readiness
from adapters.slack.inbound import MAX_BODY_BYTES, Refused, bolt_request, parse, signed

SLACK_PATH = "/slack/events"
METRICS_PATH = "/metrics"
# The Prometheus text exposition format, version 0.0.4.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# What answers a scrape: the exposition's bytes (adapters/metrics/exposition.py).
Scrape = Callable[[], Awaitable[bytes]]

log = logging.getLogger(__name__)


async def _healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _readyz(readiness: Readiness) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(_: web.Request) -> web.Response:
        report = await readiness.report()
        return web.json_response(report.as_json(), status=200 if report.ready else 503)

    return readyz


def _refuse(refused: Refused) -> web.Response:
    # One short line: a refused body is never written to the log.
    log.warning("refused a request to %s: %s", SLACK_PATH, refused.reason)
    return web.Response(status=refused.status, text=refused.reason)


def _metrics_handler(
    scrape: Scrape, token: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            return web.Response(
                status=401,
                text="a bearer token is required (METRICS_TOKEN)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = await scrape()
        response = web.Response(body=body)
        # aiohttp refuses a content type with parameters in ``content_type``.
        response.headers["Content-Type"] = METRICS_CONTENT_TYPE
        return response

    return metrics


def build_web_app(
    slack: AsyncApp | None = None,
    *,
    signing_secret: str | None = None,
    readiness: Readiness | None = None,
    metrics: Scrape | None = None,
    metrics_token: str | None = None,
    dashboard: Callable[[web.Application], None] | None = None,
) -> web.Application:
    """With ``slack``, ``POST /slack/events`` serves it. With ``signing_secret`` (HTTP mode
    always has one) a request is refused unless Slack signed it, before its body is read as
    anything but bytes. With ``readiness``, ``GET /readyz`` reports each part's state: 200
    when the process can do its job, 503 (naming what fails) when it cannot. With ``metrics``,
    ``GET /metrics`` answers a scrape (only with ``Authorization: Bearer <metrics_token>`` when
    there is a token); without, it is 404. ``dashboard`` adds the dashboard's routes (``/`` and
    below, beside these: aiohttp mounts no sub-application at ``/``)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_get("/healthz", _healthz)
    if readiness is not None:
        app.router.add_get("/readyz", _readyz(readiness))
    if metrics is not None:
        app.router.add_get(METRICS_PATH, _metrics_handler(metrics, metrics_token))
    if slack is not None:
        verifier = SignatureVerifier(signing_secret) if signing_secret else None

        async def slack_events(request: web.Request) -> web.Response:
            if (request.content_length or 0) > MAX_BODY_BYTES:
                return _refuse(Refused(413, f"body over {MAX_BODY_BYTES} bytes"))
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                return _refuse(Refused(413, f"body over {MAX_BODY_BYTES} bytes"))
            if verifier is not None and not signed(verifier, body, request.headers):
                return _refuse(Refused(401, "not signed by Slack"))
            parsed = parse(body, request.content_type)
            if isinstance(parsed, Refused):
                return _refuse(parsed)
            # ``parse`` has read the body as UTF-8.
            built = bolt_request(body.decode(), parsed, request.query_string, request.headers)
            if isinstance(built, Refused):
                return _refuse(built)
            return await to_aiohttp_response(await slack.async_dispatch(built))

        app.router.add_post(SLACK_PATH, slack_events)
    if dashboard is not None:
        dashboard(app)
    return app
