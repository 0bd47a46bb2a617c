"""``feedbackbot webhooks add|list|remove|test|deliveries``: admins' endpoints from a terminal.
Only ``test`` sends, so only it opens the HTTP client (and imports httpx)."""

from __future__ import annotations

import argparse
from typing import TextIO

from adapters.app.composition import open_app
from adapters.app.settings import Settings
from adapters.cli.output import show
from bot.errors import FeedbackBotError
from bot.webhooks import Attempt, Endpoint, WebhookService, parse_events


async def run_webhooks(arguments: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    action = arguments.webhooks_command
    async with open_app(settings, webhooks=action == "test") as app:
        service = app.core.webhooks
        if action == "add":
            return await _add(arguments, service, out)
        if action == "list":
            endpoints = await service.endpoints(arguments.workspace)
            if not endpoints:
                print("No webhook endpoints.", file=out)
            for endpoint in endpoints:
                show(describe_endpoint(endpoint), out)
            return 0
        if action == "remove":
            if not await service.remove(None, arguments.id):
                raise FeedbackBotError(f"there is no webhook endpoint {arguments.id}")
            print(f"Removed webhook endpoint {arguments.id}.", file=out)
            return 0
        if action == "test":
            attempt = await service.test(None, arguments.id)
            show(f"Sent webhook.test to {attempt.url}: {outcome(attempt)}.", out)
            return 0 if attempt.status is not None and 200 <= attempt.status < 300 else 1
        if action == "deliveries":
            attempts = await service.deliveries(
                arguments.workspace, arguments.endpoint, max(arguments.limit, 1)
            )
            if not attempts:
                print("No delivery attempts yet.", file=out)
            for each in attempts:
                show(describe_attempt(each), out)
            return 0
    raise AssertionError(f"no webhooks action {action!r}")


async def _add(arguments: argparse.Namespace, service: WebhookService, out: TextIO) -> int:
    endpoint, secret = await service.add(
        arguments.workspace, arguments.url, parse_events(arguments.events)
    )
    show(f"Added webhook endpoint {endpoint.id}: {describe_endpoint(endpoint)}", out)
    print("Its signing secret (shown only now; give it to the receiver):", file=out)
    print(secret, file=out)
    return 0


def describe_endpoint(endpoint: Endpoint) -> str:
    state = "enabled" if endpoint.enabled else f"disabled {endpoint.disabled_at:%Y-%m-%d %H:%M}"
    events = ",".join(sorted(endpoint.events))
    line = f"{endpoint.id}  {endpoint.workspace}  {state}  {endpoint.url}  {events}"
    if endpoint.last_success_at is not None:
        line += f"  last success {endpoint.last_success_at:%Y-%m-%d %H:%M:%S}"
    if endpoint.failing_since is not None:
        line += f"  failing since {endpoint.failing_since:%Y-%m-%d %H:%M:%S}"
    return line


def outcome(attempt: Attempt) -> str:
    said = f"HTTP {attempt.status}" if attempt.status is not None else (attempt.error or "failed")
    return f"{said} in {attempt.seconds:.2f} s ({attempt.state.value})"


def describe_attempt(attempt: Attempt) -> str:
    item = f"#{attempt.item_number}" if attempt.item_number is not None else "-"
    return (
        f"{attempt.at:%Y-%m-%d %H:%M:%S}  endpoint {attempt.endpoint_id}  {attempt.type.value}  "
        f"{item}  {attempt.event_id}  {outcome(attempt)}"
    )
