"""One request to a tracker's REST API, its failures turned into ``TrackerFailed`` with one line
a person can act on: refused credentials, a missing issue, a rate limit and when to try again,
a tracker that does not answer."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.errors import TrackerFailed, first_line

# What a status means for one tracker: the line told, given the answer.
Explain = Callable[[httpx.Response], str | None]


async def call(
    client: httpx.AsyncClient,
    label: str,
    method: str,
    url: str,
    *,
    explain: Explain,
    headers: Mapping[str, str],
    auth: httpx.Auth | None = None,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    follow_redirects: bool = False,
) -> httpx.Response:
    """The answer when it is a success (2xx); else ``TrackerFailed`` saying why in one line."""
    try:
        response = await client.request(
            method,
            url,
            headers=dict(headers),
            auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
            json=json,
            params=params,
            follow_redirects=follow_redirects,
        )
    except httpx.TimeoutException:
        raise TrackerFailed(f"{label} did not answer in time; try again later") from None
    except httpx.HTTPError as error:
        said = first_line(error)
        raise TrackerFailed(f"{label} could not be reached ({said}); try again later") from None
    if response.is_success:
        return response
    waited = retry_after(response)
    if waited is not None:
        raise TrackerFailed(
            f"{label} is rate limiting the bot (HTTP {response.status_code}); "
            f"try again in {waited} s"
        )
    explained = explain(response)
    if explained is None:
        explained = f"{label} answered HTTP {response.status_code}{_detail(response)}"
    raise TrackerFailed(explained)


def retry_after(response: httpx.Response, now: float | None = None) -> int | None:
    """Seconds to wait when the answer is a rate limit (429, or 403 with ``Retry-After`` or an
    exhausted ``X-RateLimit-Remaining`` as GitHub answers), else ``None``."""
    if response.status_code not in (403, 429):
        return None
    raw = response.headers.get("retry-after", "").strip()
    if raw.isdigit():
        return int(raw)
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        if reset.isdigit():
            return max(0, math.ceil(int(reset) - (time.time() if now is None else now)))
        return 60
    return 60 if response.status_code == 429 else None


def _detail(response: httpx.Response) -> str:
    said = message(response)
    return f": {said}" if said else ""


def message(response: httpx.Response) -> str:
    """What the answer's body says, in one short line (GitHub's ``message``, Jira's
    ``errorMessages`` and ``errors``); empty when it says nothing readable."""
    try:
        body = response.json()
    except ValueError:
        return ""
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            parts.append(body["message"])
        messages = body.get("errorMessages")
        if isinstance(messages, list):
            parts.extend(str(each) for each in messages if each)
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts.extend(f"{field}: {said}" for field, said in errors.items())
        elif isinstance(errors, list):
            for each in errors:
                if isinstance(each, dict) and each.get("message"):
                    parts.append(str(each["message"]))
                elif isinstance(each, dict) and each.get("code"):
                    parts.append(f"{each.get('field', '?')} {each['code']}")
    line = "; ".join(part.strip() for part in parts if part.strip())
    line = " ".join(line.split())
    return line[:200]


def unreadable(response: httpx.Response, label: str, setting: str) -> TrackerFailed:
    """An answer that is not what a tracker's API gives: most often ``setting`` points at
    something else (a login page, a proxy)."""
    return TrackerFailed(
        f"{label} answered HTTP {response.status_code} with a body the bot cannot read; "
        f"check {setting}"
    )


def answer_object(response: httpx.Response, label: str, setting: str) -> dict[str, Any]:
    """The answer's JSON object, or ``unreadable``."""
    try:
        body = response.json()
    except ValueError:
        raise unreadable(response, label, setting) from None
    if not isinstance(body, dict):
        raise unreadable(response, label, setting)
    return body
