"""The Web API methods the bot calls for every item (``chat.postMessage`` and friends), made
straight on the client's aiohttp session.

Every item costs one ``chat.postMessage``. Through slack_sdk's ``AsyncWebClient`` that call
spent about twice the CPU of the HTTP request itself (URL joining, deprecation checks, header
and response wrapping), which made it the largest single cost of an item under load. Calls made
now and then (users, views, conversations) keep using ``AsyncWebClient``; these use its session,
base URL and token, so both talk to the same Slack.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

# How often a rate-limited call is tried again (after ``Retry-After``) before giving up.
RATE_LIMIT_RETRIES = 3
# Slack always sends Retry-After with a 429; this is for a proxy that does not.
DEFAULT_RETRY_AFTER_S = 1.0

Sleep = Callable[[float], Awaitable[None]]


# Slack's own words for its passing failures, besides rate limits and HTTP 5xx.
PASSING = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# How long one call may take before it counts as a passing failure that may have gone through.
TIMEOUT_S = 10.0


class WebApiError(Exception):
    """Slack answered, and not ``ok``: ``code`` is its error code (``not_in_channel``,
    ``ratelimited``, ...) or ``http_<status>`` when the answer was not Slack's JSON; or Slack
    could not be reached (``unreachable``) or did not answer (``no_answer``, when the request
    may have been handled: ``maybe_sent``). ``retry_after`` is Slack's word on when to come
    back after a rate limit."""

    def __init__(
        self,
        method: str,
        code: str,
        *,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent

    @property
    def passing(self) -> bool:
        """Whether the same call may succeed later."""
        return (
            self.code in PASSING
            or self.code in ("unreachable", "no_answer")
            or self.code.startswith("http_5")
        )


async def call(
    client: AsyncWebClient,
    method: str,
    arguments: Mapping[str, Any],
    *,
    sleep: Sleep = asyncio.sleep,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
) -> dict[str, Any]:
    """Call ``method`` with ``arguments`` as JSON; Slack's answer when it is ``ok``.

    A 429 waits for ``Retry-After`` and tries again (``rate_limit_retries`` times). Nothing
    else is retried: after a network error Slack may have posted the message already, and a
    thank-you must never be posted twice, so that error reaches the caller."""
    try:
        if client.session is None:  # a client made without a session (tests, one-off commands)
            async with aiohttp.ClientSession() as session:
                return await _call(session, client, method, arguments, sleep, rate_limit_retries)
        return await _call(client.session, client, method, arguments, sleep, rate_limit_retries)
    except aiohttp.ClientConnectorError:
        raise WebApiError(method, "unreachable") from None
    except (aiohttp.ClientError, TimeoutError):
        raise WebApiError(method, "no_answer", maybe_sent=True) from None


async def _call(
    session: aiohttp.ClientSession,
    client: AsyncWebClient,
    method: str,
    arguments: Mapping[str, Any],
    sleep: Sleep,
    rate_limit_retries: int,
) -> dict[str, Any]:
    url = client.base_url + method
    body = json.dumps(arguments).encode()
    headers = {
        "Authorization": f"Bearer {client.token}",
        "Content-Type": "application/json;charset=utf-8",
    }
    # Waiting for a free connection of the pool is not counted: a call that never went out
    # must not look like one that may have posted.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=TIMEOUT_S, sock_read=TIMEOUT_S)
    for attempt in range(rate_limit_retries + 1):
        async with session.post(url, data=body, headers=headers, timeout=timeout) as response:
            wait = _seconds(response.headers.get("Retry-After"))
            if response.status != 429 or attempt >= rate_limit_retries:
                return _answer(method, response.status, await response.read(), wait)
        await sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _answer(method: str, status: int, body: bytes, retry_after: float) -> dict[str, Any]:
    if status == 429:
        raise WebApiError(method, "ratelimited", retry_after=retry_after)
    try:
        answer = json.loads(body)
    except ValueError:
        raise WebApiError(method, f"http_{status}") from None
    if not isinstance(answer, dict):
        raise WebApiError(method, f"http_{status}")
    if not answer.get("ok"):
        raise WebApiError(method, str(answer.get("error") or f"http_{status}"))
    return answer


def _seconds(retry_after: str | None) -> float:
    try:
        return max(0.0, float(retry_after)) if retry_after is not None else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
