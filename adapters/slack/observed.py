"""Slack's requests and its client's retries, told to ``bot.observations``: the Bolt app timed
from a request's dispatch to its answer (HTTP and Socket Mode alike), and 429s that slack_sdk
retries after ``Retry-After``."""

from __future__ import annotations

from time import perf_counter
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.conversation import ITEM_COMMANDS
from bot.identity import Platform
from bot.observations import Observations

# Every command label is one of these: a request's own words never become a label.
_COMMANDS = frozenset({*ITEM_COMMANDS, "/roadmap"})
_EVENTS = frozenset({"reaction_added", "reaction_removed"})


def command_of(body: dict[str, Any]) -> str:
    """What a request asks, as a bounded label: the slash command, ``form`` (a modal's
    submission), ``button`` (a press of a message's button), the event's type, or ``other``."""
    command = body.get("command")
    if isinstance(command, str):
        return command if command in _COMMANDS else "other"
    kind = body.get("type")
    if kind == "view_submission":
        return "form"
    if kind == "block_actions":
        return "button"
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return event_type if event_type in _EVENTS else "other"
    return "other"


class ObservedApp(AsyncApp):
    """Bolt's app, each dispatch counted and timed. Its answer is the acknowledgement: Bolt
    answers once the listener returns (``process_before_response``), and listeners return as
    soon as they acked."""

    def __init__(self, observations: Observations, **options: Any) -> None:
        super().__init__(**options)
        self._observations = observations

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        command = command_of(req.body)
        observations = self._observations
        observations.request(Platform.SLACK, command)
        began = perf_counter()
        ok = False
        try:
            response = await super().async_dispatch(req)
            ok = response.status < 400
            return response
        finally:
            observations.acked(Platform.SLACK, command, perf_counter() - began, ok)


class ObservedRateLimitRetries(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's retry of a 429 after ``Retry-After``, counted."""

    def __init__(self, observations: Observations, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._observations = observations

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self._observations.rate_limited(Platform.SLACK)
        self._observations.retried(Platform.SLACK, "429")
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )
