"""``POST /webhooks/github`` and ``POST /webhooks/jira`` on ``feedbackbot run``'s HTTP server:
a tracker's delivery, verified, becomes the core's ``TrackerChange`` and moves the linked items.

Answers: 202 when a change was taken (it moved the items, or changed nothing because it was
seen before or the items already stand there), 200 for a delivery that moves nothing (GitHub's
``ping``, other events), 401 for a bad signature (nothing read further), 400 for a body that is
not a delivery, 413 for one too large, 404 when that tracker's webhook is not configured, 503
when the database cannot take the change (Jira sends it again; GitHub can be asked to redeliver
it, and the poll catches it meanwhile). Never a 500: one warning line in the log instead, and
never the body."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from adapters.trackers.github import parse_github_delivery
from adapters.trackers.jira import parse_jira_delivery
from adapters.trackers.settings import TrackerSettings
from adapters.trackers.signatures import MalformedDelivery
from bot.core import Core
from bot.errors import BadSignature, StorageError, first_line
from bot.trackers import TrackerChange

GITHUB_PATH = "/webhooks/github"
JIRA_PATH = "/webhooks/jira"
# An issue's delivery is tens of kilobytes; the cap is the HTTP server's own (1 MiB).
MAX_BODY_BYTES = 1024 * 1024

log = logging.getLogger(__name__)

Parse = Callable[[web.Request, bytes], TrackerChange | None]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_tracker_webhooks(app: web.Application, core: Core, settings: TrackerSettings) -> None:
    """Both paths; each answers 404 (saying what to set) until its tracker and its webhook
    secret are configured: a delivery nobody can verify must not move items."""
    github = settings.github
    jira = settings.jira
    github_secret = github.webhook_secret if github is not None else None
    jira_secret = jira.webhook_secret if jira is not None else None

    def github_parse(request: web.Request, body: bytes) -> TrackerChange | None:
        return parse_github_delivery(request.headers, body, github_secret)

    def jira_parse(request: web.Request, body: bytes) -> TrackerChange | None:
        return parse_jira_delivery(request.headers, body, request.query, jira_secret)

    app.router.add_post(
        GITHUB_PATH,
        _handler(
            core, "GitHub", github_parse, github_secret, "GITHUB_TOKEN and GITHUB_WEBHOOK_SECRET"
        ),
    )
    app.router.add_post(
        JIRA_PATH,
        _handler(core, "Jira", jira_parse, jira_secret, "JIRA_URL and JIRA_WEBHOOK_SECRET"),
    )


def _handler(core: Core, label: str, parse: Parse, secret: str | None, variables: str) -> Handler:
    async def receive(request: web.Request) -> web.StreamResponse:
        if secret is None:
            return web.Response(
                status=404, text=f"{label} webhooks are not configured here (set {variables})"
            )
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _refuse(label, 413, f"body over {MAX_BODY_BYTES} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(label, 413, f"body over {MAX_BODY_BYTES} bytes")
        try:
            change = parse(request, body)
        except BadSignature as error:
            return _refuse(label, 401, f"not signed with the webhook secret ({error})")
        except MalformedDelivery as error:
            return _refuse(label, 400, f"not a {label} delivery ({error})")
        if change is None:
            return web.json_response({"ignored": True})
        change = _as_linked(core, change)
        try:
            applied = await core.trackers.apply(change)
        except StorageError as error:
            # Jira retries a 5xx; GitHub does not (redeliver it by hand): the poll then
            # catches the change.
            log.warning(
                "could not apply the %s delivery %s (%s); answered 503 to have it sent again",
                label,
                change.delivery_id,
                first_line(error),
            )
            return web.Response(status=503, text="the database is unavailable; try again")
        except Exception:
            # Whatever it is, the tracker should try again rather than see a 500 page.
            log.exception("could not apply the %s delivery %s", label, change.delivery_id)
            return web.Response(status=503, text="the change could not be applied; try again")
        moved: list[dict[str, Any]] = [
            {
                "item": each.number,
                "to": None if each.to is None else each.to.value,
                "outcome": each.outcome,
            }
            for each in applied
        ]
        return web.json_response({"issue": change.state.ref.key, "items": moved}, status=202)

    return receive


def _as_linked(core: Core, change: TrackerChange) -> TrackerChange:
    """The change's issue as the configured tracker names it, the way links name it: a
    delivery knows the issue's page from its own payload (Jira's REST address, say), which may
    be spelled otherwise than the URL the bot was configured with."""
    ref = change.state.ref
    tracker = core.trackers.trackers.get(ref.tracker)
    named = tracker.parse(ref.key) if tracker is not None else None
    if named is None or named == ref:
        return change
    return replace(change, state=replace(change.state, ref=named))


def _refuse(label: str, status: int, reason: str) -> web.Response:
    # One line, and never the body: what a stranger posts is not written to the log.
    log.warning("refused a %s webhook delivery: %s", label, reason)
    return web.Response(status=status, text=reason)
