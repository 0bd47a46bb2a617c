"""A lean fake Slack Web API for benchmarks, on bare ``asyncio`` (no aiohttp server).

The benchmark runs its fake Slack in its own process, on the same cores as the bot it measures,
while real Slack runs elsewhere: whatever CPU the fake spends per call is measurement overhead
that the bot would not pay in production. The test fake (``tests.slack.fake_slack.FakeSlack``,
an aiohttp application that parses every query, form and JSON body, keeps a message store and
records every header) cost about 0.5 ms of CPU per thank-you, about half of what the bot itself
spends per item. This one answers only what ``feedbackbot run`` asks during the benchmark, with
as little work per request as HTTP allows:

- ``POST /api/auth.test`` — the bot's identity (``UBOT``/``BBOT`` in team ``T1``, as in
  ``FakeSlack``);
- ``POST /api/chat.postMessage`` (a JSON body, as slack_sdk sends it, or a form) — records the
  channel and text, answers a fresh ``ts``; ``channel_not_found``/``no_text`` like ``FakeSlack``;
- ``GET``/``POST /api/users.info`` — the users added with ``add_user``, else ``user_not_found``;
- any other ``/api/<method>`` — ``{"ok": true}`` (as ``FakeSlack`` answers methods it does not
  know), counted in ``calls``;
- ``POST /response/<marker>`` — a slash command's response URL: records the marker and body.

HTTP/1.1 with keep-alive and pipelining (several requests in one read, or one request over
several); bodies by ``Content-Length`` only. aiohttp's client, under slack_sdk's
``AsyncWebClient`` and ``AsyncWebhookClient``, always sends ``Content-Length`` for the bytes it
posts (``0`` for ``auth.test``), so a chunked request is answered 411 and the connection closed.
Every answer is ``application/json; charset=utf-8`` with its ``Content-Length``.

Waiting is bounded and never polls: ``wait_for_posts``/``wait_for_responses`` sleep on an
``asyncio.Event`` set by the request that brings the count they wait for.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
_FIRST_TS_MICROS = 1_700_000_000_000_101  # like FakeSlack: "1700000000.000101" onwards
_MAX_HEAD = 64 * 1024
_MAX_BODY = 4 * 1024 * 1024

# Header names as they appear, lower-cased, after the line break that starts them.
_CONTENT_LENGTH = b"\r\ncontent-length:"
_CONTENT_TYPE = b"\r\ncontent-type:"
_TRANSFER_ENCODING = b"\r\ntransfer-encoding:"
_CONNECTION = b"\r\nconnection:"

_OK = b"200 OK"
_BAD_REQUEST = b"400 Bad Request"
_NOT_FOUND = b"404 Not Found"
_LENGTH_REQUIRED = b"411 Length Required"
_TOO_LARGE = b"413 Content Too Large"
_HEAD_TOO_LARGE = b"431 Request Header Fields Too Large"


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one, not one per json.dumps(separators=)


def _json(body: object) -> bytes:
    return _ENCODER.encode(body).encode()


_AUTH_TEST = _json(
    {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "feedbackbot",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }
)
_JUST_OK = _json({"ok": True})


def _error(code: str) -> bytes:
    return _json({"ok": False, "error": code})


def _http_response(status: bytes, body: bytes, *, close: bool = False) -> bytes:
    return b"".join(
        (
            b"HTTP/1.1 ",
            status,
            b"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ",
            str(len(body)).encode(),
            b"\r\nConnection: close\r\n\r\n" if close else b"\r\n\r\n",
            body,
        )
    )


def _header(head: bytes, needle: bytes) -> bytes | None:
    """The value of the header ``needle`` (see ``_CONTENT_LENGTH``) in a lower-cased head."""
    start = head.find(needle)
    if start < 0:
        return None
    start += len(needle)
    stop = head.find(b"\r\n", start)
    return head[start:stop].strip() if stop >= 0 else head[start:].strip()


@dataclass(slots=True)
class PostedMessage:
    """One ``chat.postMessage``: where, what, and whether it was answered ``ok``."""

    channel: str
    text: str
    ok: bool


class LeanSlackTimeout(TimeoutError):
    """A bounded wait of ``LeanSlack`` ran out; the message says what was there."""


class _Tally:
    """A count that wakes those waiting for it to reach a number (an event per waiter)."""

    def __init__(self) -> None:
        self.count = 0
        self._waiters: list[tuple[int, asyncio.Event]] = []

    def add(self) -> None:
        self.count += 1
        if self._waiters:
            for target, event in self._waiters:
                if self.count >= target:
                    event.set()

    async def wait(self, target: int, seconds: float, what: str) -> None:
        if self.count >= target:
            return
        waiter = (target, asyncio.Event())
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter[1].wait()
        except TimeoutError:
            raise LeanSlackTimeout(
                f"timed out after {seconds}s waiting for {target} {what}; got {self.count}"
            ) from None
        finally:
            self._waiters.remove(waiter)


class LeanSlack:
    """The fake (see the module's docstring). ``async with LeanSlack() as slack:``, then point
    the bot at ``slack.api_url`` and give it ``slack.response_url(marker)``."""

    def __init__(self) -> None:
        self.posts: list[PostedMessage] = []  # every chat.postMessage, in order of arrival
        self.responses: list[tuple[str, bytes]] = []  # (marker, body) per response URL post
        self.calls: Counter[str] = Counter()  # Web API calls by method
        self._posted = _Tally()
        self._responded = _Tally()
        self._users: dict[str, bytes] = {}  # user id -> users.info answer
        self._next_ts = _FIRST_TS_MICROS
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._connections: set[asyncio.Transport] = set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), "127.0.0.1", 0)
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for transport in list(self._connections):  # idle keep-alive connections
            transport.close()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> LeanSlack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("LeanSlack is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """What ``SLACK_API_URL`` / ``AsyncWebClient(base_url=...)`` should be."""
        return f"{self.base_url}/api/"

    def response_url(self, marker: str) -> str:
        return f"{self.base_url}/response/{marker}"

    # -- set-up and inspection -------------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, team_id: str = TEAM_ID, display_name: str = ""
    ) -> None:
        """Make ``users.info`` describe ``user_id`` (the fields ``FakeSlack`` answers)."""
        self._users[user_id] = _json(
            {
                "ok": True,
                "user": {
                    "id": user_id,
                    "team_id": team_id,
                    "name": name,
                    "real_name": name,
                    "is_bot": False,
                    "is_admin": False,
                    "is_owner": False,
                    "profile": {"display_name": display_name, "real_name": name},
                },
            }
        )

    def posted_texts(self) -> list[str]:
        """The text of every ``chat.postMessage`` answered ``ok``."""
        return [post.text for post in self.posts if post.ok]

    async def wait_for_posts(
        self,
        count: int,
        timeout: float,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> list[PostedMessage]:
        """The posts, once at least ``count`` arrived; ``LeanSlackTimeout`` after ``timeout``."""
        await self._posted.wait(count, timeout, "chat.postMessage call(s)")
        return list(self.posts)

    async def wait_for_responses(
        self,
        count: int,
        timeout: float,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> list[tuple[str, bytes]]:
        """The response URL posts, once at least ``count`` arrived; ``LeanSlackTimeout`` after
        ``timeout``."""
        await self._responded.wait(count, timeout, "response URL post(s)")
        return list(self.responses)

    # -- answers ---------------------------------------------------------------------------------

    def answer(
        self, verb: bytes, target: bytes, content_type: bytes, body: bytes
    ) -> tuple[bytes, bytes]:
        """The HTTP status and JSON body for one request."""
        path, _, query = target.partition(b"?")
        if path.startswith(b"/api/"):
            method = path[5:].decode("ascii", "replace")
            self.calls[method] += 1
            if method == "chat.postMessage":
                return _OK, self._post_message(query, content_type, body)
            if method == "auth.test":
                return _OK, _AUTH_TEST
            if method == "users.info":
                try:
                    user = _arguments(query, content_type, body).get("user")
                except ValueError:
                    return _OK, _error("invalid_json")
                return _OK, self._users.get(str(user)) or _error("user_not_found")
            return _OK, _JUST_OK
        if path.startswith(b"/response/") and verb == b"POST":
            self.responses.append((unquote(path[10:].decode("ascii", "replace")), body))
            self._responded.add()
            return _OK, _JUST_OK
        return _NOT_FOUND, _error("not_found")

    def _post_message(self, query: bytes, content_type: bytes, body: bytes) -> bytes:
        try:
            arguments = _arguments(query, content_type, body)
        except ValueError:
            self.posts.append(PostedMessage("", "", ok=False))
            self._posted.add()
            return _error("invalid_json")
        channel = arguments.get("channel")
        text = arguments.get("text")
        if not channel:
            answer, ok = _error("channel_not_found"), False
        elif not text and not arguments.get("blocks") and not arguments.get("attachments"):
            answer, ok = _error("no_text"), False
        else:
            micros = self._next_ts
            self._next_ts += 1
            ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
            answer = _json({"ok": True, "channel": channel, "ts": ts, "message": message})
            ok = True
        self.posts.append(PostedMessage(str(channel or ""), str(text or ""), ok))
        self._posted.add()
        return answer


def _arguments(query: bytes, content_type: bytes, body: bytes) -> dict[str, Any]:
    """A Web API call's arguments: the query string, then a JSON or form body."""
    arguments: dict[str, Any] = dict(parse_qsl(query.decode("latin-1"))) if query else {}
    if body:
        if content_type.startswith(b"application/json"):
            data = json.loads(body.decode("utf-8", "replace"))
            if isinstance(data, dict):
                arguments.update(data)
        else:
            arguments.update(parse_qsl(body.decode("utf-8", "replace")))
    return arguments


class _Connection(asyncio.Protocol):
    """One client connection: HTTP/1.1 requests in, answers out, in order."""

    def __init__(self, slack: LeanSlack) -> None:
        self._slack = slack
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._slack._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._slack._connections.discard(self._transport)
            self._transport = None

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while buffer and self._transport is not None:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                if len(buffer) > _MAX_HEAD:
                    self._refuse(_HEAD_TOO_LARGE, "head_too_large")
                return
            head = bytes(buffer[:head_end])
            lowered = head.lower()
            if _header(lowered, _TRANSFER_ENCODING) is not None:
                self._refuse(_LENGTH_REQUIRED, "length_required")
                return
            length_value = _header(lowered, _CONTENT_LENGTH)
            try:
                length = int(length_value) if length_value is not None else 0
            except ValueError:
                length = -1
            if not 0 <= length <= _MAX_BODY:
                self._refuse(_TOO_LARGE if length > 0 else _BAD_REQUEST, "bad_content_length")
                return
            body_start = head_end + 4
            body_end = body_start + length
            if len(buffer) < body_end:
                return  # the rest of the body is still on its way
            body = bytes(buffer[body_start:body_end])
            del buffer[:body_end]

            line_end = head.find(b"\r\n")
            parts = (head if line_end < 0 else head[:line_end]).split(b" ")
            if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                self._refuse(_BAD_REQUEST, "bad_request_line")
                return
            verb, target, version = parts
            close = version != b"HTTP/1.1" or _header(lowered, _CONNECTION) == b"close"
            status, answer = self._slack.answer(
                verb, target, _header(lowered, _CONTENT_TYPE) or b"", body
            )
            self._transport.write(_http_response(status, answer, close=close))
            if close:
                self._transport.close()
                return

    def _refuse(self, status: bytes, code: str) -> None:
        """Answer a request this server will not read, and close the connection."""
        self._buffer.clear()
        if self._transport is not None:
            self._transport.write(_http_response(status, _error(code), close=True))
            self._transport.close()
