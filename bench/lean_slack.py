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
  channel, text, ``thread_ts``, ``metadata`` and ``blocks``, answers a fresh ``ts``;
  ``channel_not_found``/``no_text`` like ``FakeSlack``;
- ``conversations.history`` and ``conversations.replies`` — what was posted, newest first and
  oldest first as Slack orders them, within ``oldest``/``latest`` (``inclusive``), ``limit`` and
  ``cursor``; each message's ``metadata`` with ``include_all_metadata``. A sender that lost the
  answer to a post looks it up this way, by a marker of its own in ``metadata``, before trying
  again;
- ``chat.postEphemeral`` — records the channel, user and text;
- ``GET``/``POST /api/users.info`` — the users added with ``add_user``, else ``user_not_found``;
- any other ``/api/<method>`` — ``{"ok": true}`` (as ``FakeSlack`` answers methods it does not
  know), counted in ``calls``;
- ``POST /response/<marker>`` — a slash command's response URL: records the marker and body.

HTTP/1.1 with keep-alive and pipelining (several requests in one read, or one request over
several); bodies by ``Content-Length`` only. aiohttp's client, under slack_sdk's
``AsyncWebClient`` and ``AsyncWebhookClient``, always sends ``Content-Length`` for the bytes it
posts (``0`` for ``auth.test``), so a chunked request is answered 411 and the connection closed.
Every answer is ``application/json; charset=utf-8`` with its ``Content-Length``.

Faults, for the reliability benchmark (``set_fault``, until the next call): every Web API call
is answered 429 with ``Retry-After`` (Slack's rate limits are per method; response URLs answer
as usual), or every request, response URLs included, is answered 500, or its answer is held back
``delay`` seconds (the post itself is made at once), or the connection is dropped once the request
is read (with ``record_posts``, a ``chat.postMessage`` is posted first: posted, but the answer
was lost), or the listening socket is closed and every connection with it, so connections are
refused until the fault ends and the same port is opened again. ``faulted`` counts what each fault
did.

Waiting is bounded and never polls: ``wait_for_posts``/``wait_for_responses`` sleep on an
``asyncio.Event`` set by the request that brings the count they wait for.
"""

from __future__ import annotations

import asyncio
import bisect
import enum
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar
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
_TOO_MANY = b"429 Too Many Requests"
_SERVER_ERROR = b"500 Internal Server Error"
# Slack's own ceiling for conversations.history and conversations.replies.
_MAX_LIMIT = 999
_DEFAULT_LIMIT = 100


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


def _http_response(status: bytes, body: bytes, *, close: bool = False, extra: bytes = b"") -> bytes:
    """The whole answer; ``extra`` is more header lines, each ending in CRLF."""
    return b"".join(
        (
            b"HTTP/1.1 ",
            status,
            b"\r\nContent-Type: application/json; charset=utf-8\r\n",
            extra,
            b"Content-Length: ",
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
    """One ``chat.postMessage``: where, what, and whether it was posted (``ok``; a post whose
    answer was then lost to a dropped connection is ``ok`` too: people see it)."""

    channel: str
    text: str
    ok: bool
    ts: str = ""
    thread_ts: str | None = None
    metadata: Any = None
    blocks: Any = None  # Block Kit, for a message with buttons


@dataclass(frozen=True, slots=True)
class Ephemeral:
    """One ``chat.postEphemeral``: shown to ``user`` alone in ``channel``."""

    channel: str
    user: str
    text: str


class FaultKind(enum.Enum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    SLOW = "slow"
    DROPPED = "dropped"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Fault:
    """What goes wrong with every request while it is set (see the module's docstring)."""

    kind: FaultKind
    retry_after: float = 1.0  # RATE_LIMITED: the Retry-After header
    delay: float = 5.0  # SLOW: seconds each answer is held back
    record_posts: bool = False  # DROPPED: chat.postMessage posts before the connection drops

    def spares(self, target: bytes) -> bool:
        """Whether a request to ``target`` is answered as usual (SLOW: late). Slack limits the
        rate of Web API methods, not of response URLs."""
        if self.kind is FaultKind.SLOW:
            return True
        return self.kind is FaultKind.RATE_LIMITED and not target.startswith(b"/api/")

    def describe(self) -> str:
        if self.kind is FaultKind.RATE_LIMITED:
            return f"429 with Retry-After: {self.retry_after:g}"
        if self.kind is FaultKind.SLOW:
            return f"answers {self.delay:g} s late"
        if self.kind is FaultKind.DROPPED and self.record_posts:
            return "connections dropped after posting"
        return {
            FaultKind.SERVER_ERROR: "500",
            FaultKind.DROPPED: "connections dropped",
            FaultKind.REFUSED: "connections refused",
        }[self.kind]


@dataclass(slots=True)
class _Channel:
    """A channel's messages (thread replies apart), in the order of their ``ts``."""

    micros: list[int] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


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
        self.ephemerals: list[Ephemeral] = []
        self.responses: list[tuple[str, bytes]] = []  # (marker, body) per response URL post
        self.calls: Counter[str] = Counter()  # Web API calls by method
        self.fault: Fault | None = None
        self.faulted: Counter[str] = Counter()  # requests a fault answered, by fault
        self._channels: dict[str, _Channel] = {}
        self._threads: dict[tuple[str, str], _Channel] = {}  # (channel, parent ts) -> replies
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
        # The same port again after a REFUSED fault: the bot keeps the URL it was given.
        self._server = await loop.create_server(
            lambda: _Connection(self), "127.0.0.1", self._port or 0, reuse_address=True
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for transport in list(self._connections):  # idle keep-alive connections
            transport.close()
        await self._server.wait_closed()
        self._server = None

    async def set_fault(self, fault: Fault | None) -> None:
        """Answer every request with ``fault`` from now on; ``None`` ends it."""
        refusing = self.fault is not None and self.fault.kind is FaultKind.REFUSED
        self.fault = fault
        if fault is not None and fault.kind is FaultKind.REFUSED and not refusing:
            if self._server is not None:
                self._server.close()
                self._server = None
            for transport in list(self._connections):
                transport.abort()  # no FIN handshake: the client sees a reset, as on a crash
        elif refusing and (fault is None or fault.kind is not FaultKind.REFUSED):
            await self.start()

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

    def message_at(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message posted at ``ts`` in ``channel`` (not a thread reply), as history shows it."""
        found = self._channels.get(channel)
        if found is None:
            return None
        index = bisect.bisect_left(found.micros, _micros(ts))
        if index < len(found.micros) and found.messages[index]["ts"] == ts:
            return found.messages[index]
        return None

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
            reader = self._readers.get(method)
            if reader is None:
                return _OK, _JUST_OK
            try:
                arguments = _arguments(query, content_type, body)
            except ValueError:
                return _OK, _error("invalid_json")
            return _OK, reader(self, arguments)
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
        channel = str(arguments.get("channel") or "")
        text = str(arguments.get("text") or "")
        if not channel:
            answer, posted = _error("channel_not_found"), PostedMessage("", text, ok=False)
        elif not text and not arguments.get("blocks") and not arguments.get("attachments"):
            answer, posted = _error("no_text"), PostedMessage(channel, "", ok=False)
        else:
            posted = self._keep(channel, text, arguments)
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": posted.ts}
            answer = _json({"ok": True, "channel": channel, "ts": posted.ts, "message": message})
        self.posts.append(posted)
        self._posted.add()
        return answer

    def _new_micros(self) -> int:
        """A message's ts in microseconds: now, as Slack's are its time (a sender looks for a
        post around when it tried), and always after the last one."""
        self._next_ts = max(self._next_ts + 1, time.time_ns() // 1000)
        return self._next_ts

    def _keep(self, channel: str, text: str, arguments: dict[str, Any]) -> PostedMessage:
        """Store a post where history and replies find it; its ``PostedMessage``."""
        micros = self._new_micros()
        ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        thread_ts = str(arguments["thread_ts"]) if arguments.get("thread_ts") else None
        metadata = arguments.get("metadata")
        if isinstance(metadata, str):  # a form sends it as JSON text
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": text,
            "ts": ts,
        }
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            where = self._threads.setdefault((channel, thread_ts), _Channel())
        else:
            where = self._channels.setdefault(channel, _Channel())
        if metadata:
            message["metadata"] = metadata
        blocks = arguments.get("blocks")
        if isinstance(blocks, str):  # a form sends it as JSON text
            try:
                blocks = json.loads(blocks)
            except ValueError:
                blocks = None
        if blocks:
            message["blocks"] = blocks
        where.micros.append(micros)  # ts only grows, so the lists stay sorted
        where.messages.append(message)
        return PostedMessage(channel, text, True, ts, thread_ts, metadata, blocks)

    def _post_ephemeral(self, arguments: dict[str, Any]) -> bytes:
        channel, user = str(arguments.get("channel") or ""), str(arguments.get("user") or "")
        if not channel:
            return _error("channel_not_found")
        if not user:
            return _error("user_not_found")
        self.ephemerals.append(Ephemeral(channel, user, str(arguments.get("text") or "")))
        micros = self._new_micros()
        return _json({"ok": True, "message_ts": f"{micros // 1_000_000}.{micros % 1_000_000:06d}"})

    def _users_info(self, arguments: dict[str, Any]) -> bytes:
        return self._users.get(str(arguments.get("user"))) or _error("user_not_found")

    def _history(self, arguments: dict[str, Any]) -> bytes:
        channel = str(arguments.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        found = self._channels.get(channel) or _Channel()
        start, stop = _window(found.micros, arguments)
        newest_first = found.messages[start:stop][::-1]
        return _page(newest_first, arguments, "messages")

    def _replies(self, arguments: dict[str, Any]) -> bytes:
        channel, parent_ts = str(arguments.get("channel") or ""), str(arguments.get("ts") or "")
        parent = self.message_at(channel, parent_ts)
        if parent is None:
            return _error("thread_not_found")
        thread = self._threads.get((channel, parent_ts)) or _Channel()
        start, stop = _window(thread.micros, arguments)
        # Slack puts the thread's parent first, whatever the window.
        return _page([parent, *thread.messages[start:stop]], arguments, "messages")

    # Methods whose answer depends only on their arguments, by name.
    _readers: ClassVar[Mapping[str, Callable[[LeanSlack, dict[str, Any]], bytes]]] = {
        "users.info": _users_info,
        "chat.postEphemeral": _post_ephemeral,
        "conversations.history": _history,
        "conversations.replies": _replies,
    }

    def fault_answer(self, fault: Fault, target: bytes) -> bytes:
        """The whole HTTP answer a RATE_LIMITED or SERVER_ERROR fault gives."""
        self.faulted[fault.describe()] += 1
        if fault.kind is FaultKind.RATE_LIMITED:
            extra = b"Retry-After: %s\r\n" % f"{fault.retry_after:g}".encode()
            return _http_response(_TOO_MANY, _error("ratelimited"), extra=extra)
        return _http_response(_SERVER_ERROR, _error("internal_error"))


def _micros(ts: object) -> int:
    """A Slack ``ts`` ("1700000000.000101") as an integer, for ordering; 0 when it is not one."""
    seconds, _, fraction = str(ts).partition(".")
    try:
        return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])
    except ValueError:
        return 0


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _window(micros: list[int], arguments: dict[str, Any]) -> tuple[int, int]:
    """The slice of ``micros`` (sorted) between ``oldest`` and ``latest``; Slack excludes both
    ends unless ``inclusive``."""
    inclusive = _flag(arguments.get("inclusive"))
    start, stop = 0, len(micros)
    if arguments.get("oldest"):
        oldest = _micros(arguments["oldest"])
        bounds = bisect.bisect_left if inclusive else bisect.bisect_right
        start = bounds(micros, oldest)
    if arguments.get("latest"):
        latest = _micros(arguments["latest"])
        stop = (bisect.bisect_right if inclusive else bisect.bisect_left)(micros, latest)
    return start, max(start, stop)


def _page(messages: list[dict[str, Any]], arguments: dict[str, Any], key: str) -> bytes:
    """One page of ``messages`` by ``limit`` and ``cursor`` (an offset), without ``metadata``
    unless ``include_all_metadata``."""
    try:
        limit = min(_MAX_LIMIT, int(arguments.get("limit") or _DEFAULT_LIMIT)) or _DEFAULT_LIMIT
        offset = max(0, int(arguments.get("cursor") or 0))
    except ValueError:
        return _error("invalid_arguments")
    page = messages[offset : offset + limit]
    if not _flag(arguments.get("include_all_metadata")):
        page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
    more = offset + limit < len(messages)
    return _json(
        {
            "ok": True,
            key: page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
        }
    )


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
        self._due = 0.0  # when the last answer held back by a SLOW fault goes out

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
            content_type = _header(lowered, _CONTENT_TYPE) or b""
            fault = self._slack.fault
            if fault is not None and not fault.spares(target):
                self._fail(fault, verb, target, content_type, body, close)
            else:
                status, answer = self._slack.answer(verb, target, content_type, body)
                delay = 0.0
                if fault is not None and fault.kind is FaultKind.SLOW:
                    self._slack.faulted[fault.describe()] += 1
                    delay = fault.delay
                self._send(_http_response(status, answer, close=close), close, delay)
            if close:
                return

    def _fail(
        self,
        fault: Fault,
        verb: bytes,
        target: bytes,
        content_type: bytes,
        body: bytes,
        close: bool,
    ) -> None:
        """Answer one request as ``fault`` wants (SLOW apart)."""
        if fault.kind in (FaultKind.RATE_LIMITED, FaultKind.SERVER_ERROR):
            self._send(self._slack.fault_answer(fault, target), close, 0.0)
            return
        self._slack.faulted[fault.describe()] += 1
        if fault.record_posts and target.startswith(b"/api/chat.postMessage"):
            self._slack.answer(verb, target, content_type, body)  # posted; the answer is lost
        self._buffer.clear()
        if self._transport is not None:
            self._transport.abort()

    def _send(self, answer: bytes, close: bool, delay: float) -> None:
        """Write ``answer`` after ``delay`` seconds, never before an answer held back earlier
        on this connection (HTTP/1.1 answers go out in order)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        due = max(now + delay, self._due)
        if due <= now:
            self._write(answer, close)
            return
        self._due = due
        loop.call_at(due, self._write, answer, close)

    def _write(self, answer: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(answer)
        if close:
            transport.close()

    def _refuse(self, status: bytes, code: str) -> None:
        """Answer a request this server will not read, and close the connection."""
        self._buffer.clear()
        if self._transport is not None:
            self._transport.write(_http_response(status, _error(code), close=True))
            self._transport.close()
