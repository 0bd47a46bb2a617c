"""A lean HTTP/1.1 client for the benchmark's load, on bare ``asyncio`` (no aiohttp client).

The benchmark's load generator runs on the same cores as the servers it measures, so whatever
CPU it spends per request is taken from them. aiohttp's client (a ``ClientSession`` with its
connector, request and response objects, tracing hooks, cookie jar, header multidicts and its
own parser) costs about 0.09 ms of CPU per request by itself, system calls included (at
concurrency 50 against a trivial aiohttp server), this one about 0.045 ms. It does only what
the benchmark needs, with as little work per request as HTTP/1.1 allows:

- ``POST`` to ``http://127.0.0.1:<port><path>`` only; the request line, ``Host`` and the start
  of ``Content-Length`` are built once per URL, so a request is one ``bytes.join`` of those,
  the body's length, the caller's headers (which must not include ``Host``,
  ``Content-Length``, ``Transfer-Encoding`` or ``Connection``) and the body;
- up to ``connections`` persistent connections in all (over every server it talks to), one
  request in flight on each (no pipelining); a connection is reused once its response was read
  in full, and dropped when the server said ``Connection: close`` (or answered HTTP/1.0 without
  ``keep-alive``), closed it, or sent more than the response; an idle connection to another
  server is closed when the limit is reached;
- responses: the status line, the headers it needs (``Content-Length``,
  ``Transfer-Encoding: chunked``, ``Connection``; names in any case), the body by length, in
  chunks, or until the server closes the connection; ``1xx`` answers are skipped, ``204`` and
  ``304`` have no body; ``(status, body text)`` is returned, the body decoded as UTF-8.

A request is never sent twice: when its connection drops before the response was read in full,
the caller gets ``ConnectionResetError`` (an ``OSError``), and a response this client cannot
parse is ``LeanHTTPError`` (an ``OSError`` too); either way the connection is closed. Each
request, waiting for a connection included, is bounded by ``timeout`` (``TimeoutError``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

HOST = "127.0.0.1"
DEFAULT_TIMEOUT = 30.0
_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024

# Header names as they appear, lower-cased, after the line break that starts them.
_CONTENT_LENGTH = b"\r\ncontent-length:"
_TRANSFER_ENCODING = b"\r\ntransfer-encoding:"
_CONNECTION = b"\r\nconnection:"
# What the client writes itself, so the caller may not.
_OWN_HEADERS = frozenset(("host", "content-length", "transfer-encoding", "connection"))

Origin = tuple[str, int]


class LeanHTTPError(OSError):
    """The server's answer was not HTTP/1.x this client understands (or far too large)."""


@dataclass(frozen=True, slots=True)
class _Target:
    origin: Origin
    prefix: bytes  # b"POST <path> HTTP/1.1\r\nHost: <host>:<port>\r\nContent-Length: "


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST or parts.username or parts.fragment:
        raise ValueError(f"LeanClient posts to http://{HOST}:<port>/<path> only, not {url!r}")
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    prefix = f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Length: "
    return _Target((HOST, port), prefix.encode("ascii"))


def _header_lines(headers: Mapping[str, str]) -> bytes:
    """``Name: value\\r\\n`` per header; refuses what would break the request's framing."""
    lines = []
    for name, value in headers.items():
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"LeanClient writes the {name} header itself")
        lines.append(f"{name}: {value}\r\n")
    text = "".join(lines)
    if text.count("\n") != len(lines) or text.count("\r") != len(lines):
        raise ValueError("a header name or value contains CR or LF")
    return text.encode("latin-1")


def _header(head: bytes, needle: bytes) -> bytes | None:
    """The value of the header ``needle`` (see ``_CONTENT_LENGTH``) in a lower-cased head."""
    start = head.find(needle)
    if start < 0:
        return None
    start += len(needle)
    stop = head.find(b"\r\n", start)
    return head[start:stop].strip() if stop >= 0 else head[start:].strip()


# How the body of the response being read ends.
_BY_LENGTH, _CHUNKED, _AT_EOF = 0, 1, 2


class _Connection(asyncio.Protocol):
    """One connection: a request out, its response in, then the next request."""

    def __init__(self, client: LeanClient, origin: Origin) -> None:
        self.origin = origin
        self.reusable = False  # connected, idle, and fit for the next request
        self._client = client
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._lost = asyncio.get_running_loop().create_future()
        # The response being read.
        self._status = 0
        self._framing = -1  # _BY_LENGTH, _CHUNKED or _AT_EOF once its head is read
        self._remaining = 0  # body bytes still to come (_BY_LENGTH)
        self._keep_alive = False
        self._body = bytearray()  # chunked bodies, chunk by chunk
        self._trailers = False  # after the last chunk

    # -- asyncio ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.reusable = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self._transport = None
        self._client._lost(self)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if exc is None and self._framing == _AT_EOF:
                body = bytes(self._buffer)
                self._buffer.clear()
                self._finish(body)
            else:
                reason = f": {exc}" if exc is not None else ""
                waiter.set_exception(
                    ConnectionResetError(
                        "the server closed the connection before the response was complete" + reason
                    )
                )
        if not self._lost.done():
            self._lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._waiter is None or self._waiter.done():
            self._fail("data from the server while no request was waiting")
            return
        try:
            self._read()
        except (ValueError, IndexError) as error:
            self._fail(f"malformed response ({error})")

    # -- requests --------------------------------------------------------------------------------

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Write ``request``; the future is its status and body."""
        assert self._transport is not None and self.reusable
        self.reusable = False
        self._status = 0
        self._framing = -1
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return waiter

    def close(self) -> None:
        """Drop the connection now (whatever was not sent or read is lost); it no longer
        counts as open for the pool, though its socket closes a moment later."""
        self.reusable = False
        self._client._discard(self)
        if self._transport is not None:
            self._transport.abort()

    async def wait_closed(self) -> None:
        await asyncio.shield(self._lost)

    # -- parsing ---------------------------------------------------------------------------------

    def _read(self) -> None:
        buffer = self._buffer
        while self._framing < 0:  # the head (again after a 1xx answer)
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise ValueError("response head too large")
                return
            head = bytes(buffer[:head_end])
            del buffer[: head_end + 4]
            self._parse_head(head)
        if self._framing == _BY_LENGTH:
            if len(buffer) >= self._remaining:
                body = bytes(buffer[: self._remaining])
                del buffer[: self._remaining]
                self._finish(body)
        elif self._framing == _CHUNKED:
            if self._read_chunks():
                body = bytes(self._body)
                self._body.clear()
                self._finish(body)
        elif len(buffer) > _MAX_BODY:  # _AT_EOF: all of it once the server closes
            raise ValueError("response body too large")

    def _parse_head(self, head: bytes) -> None:
        line_end = head.find(b"\r\n")
        status_line = head if line_end < 0 else head[:line_end]
        version, status_text = status_line.split(b" ", 2)[:2]
        if not version.startswith(b"HTTP/1.") or len(status_text) != 3:
            raise ValueError(f"status line {status_line[:80]!r}")
        status = int(status_text)
        if status < 200:  # 100 Continue and the like: the real answer follows
            return
        lowered = head.lower()
        connection = _header(lowered, _CONNECTION) or b""
        if version == b"HTTP/1.1":
            self._keep_alive = b"close" not in connection
        else:
            self._keep_alive = b"keep-alive" in connection and b"close" not in connection
        self._status = status
        encoding = _header(lowered, _TRANSFER_ENCODING)
        if status in (204, 304):
            self._framing, self._remaining = _BY_LENGTH, 0
        elif encoding is not None:
            if encoding.endswith(b"chunked"):
                self._framing, self._trailers = _CHUNKED, False
                self._body.clear()
            else:  # another coding last: the body ends when the connection does
                self._framing, self._keep_alive = _AT_EOF, False
        else:
            length = _header(lowered, _CONTENT_LENGTH)
            if length is None:
                self._framing, self._keep_alive = _AT_EOF, False
            else:
                remaining = int(length)
                if not 0 <= remaining <= _MAX_BODY:
                    raise ValueError(f"Content-Length {length[:20]!r}")
                self._framing, self._remaining = _BY_LENGTH, remaining

    def _read_chunks(self) -> bool:
        """Move whole chunks from the buffer to the body; whether the last one was read."""
        buffer = self._buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise ValueError("chunk size line too long")
                return False
            if self._trailers:  # trailer fields up to an empty line
                del buffer[: line_end + 2]
                if line_end == 0:
                    return True
                continue
            size_text = bytes(buffer[:line_end]).split(b";", 1)[0].strip()
            size = int(size_text, 16)
            if not size_text.isalnum() or len(self._body) + size > _MAX_BODY:
                raise ValueError(f"chunk size {size_text[:20]!r}")
            if size == 0:
                del buffer[: line_end + 2]
                self._trailers = True
                continue
            start = line_end + 2
            end = start + size
            if len(buffer) < end + 2:
                return False
            if buffer[end : end + 2] != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
            self._body += buffer[start:end]
            del buffer[: end + 2]

    def _finish(self, body: bytes) -> None:
        waiter = self._waiter
        self._waiter = None
        self._framing = -1
        if self._keep_alive and not self._buffer and self._transport is not None:
            self.reusable = True
        else:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result((self._status, body))

    def _fail(self, reason: str) -> None:
        waiter = self._waiter
        self._waiter = None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(LeanHTTPError(reason))


class LeanClient:
    """The client (see the module's docstring): ``async with LeanClient(connections) as
    client:``, then ``await client.post(url, body, headers)`` for ``(status, text)``."""

    def __init__(self, connections: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self.connections = connections
        self.timeout = timeout
        self._slots = asyncio.Semaphore(connections)  # requests in flight
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()  # connected and not closing: the pool
        self._connecting = 0  # being connected, counted against the limit too
        self._sockets: set[_Connection] = set()  # not closed yet, closing ones included
        self._targets: dict[str, _Target] = {}
        self._closed = False

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or busy (connecting ones not counted)."""
        return len(self._open)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        """POST ``body`` with ``headers`` to ``url``: the response's status and text."""
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = _target(url)
        request = b"".join(
            (target.prefix, b"%d\r\n" % len(body), _header_lines(headers), b"\r\n", body)
        )
        async with asyncio.timeout(self.timeout), self._slots:
            connection = await self._acquire(target.origin)
            try:
                status, answer = await connection.send(request)
            except BaseException:  # a timeout or cancellation too: the answer may still come
                connection.close()
                raise
            if connection.reusable:
                self._idle.setdefault(target.origin, []).append(connection)
        return status, answer.decode("utf-8", "replace")

    async def _acquire(self, origin: Origin) -> _Connection:
        """An idle connection to ``origin``, else a new one (closing an idle connection to
        another server when ``connections`` are open)."""
        if self._closed:
            raise RuntimeError("the LeanClient is closed")
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.reusable:
                return connection
        if len(self._open) + self._connecting >= self.connections:
            for others in self._idle.values():
                if others:
                    others.pop().close()  # leaves _open at once
                    break
        self._connecting += 1
        try:
            loop = asyncio.get_running_loop()
            _, connection = await loop.create_connection(lambda: _Connection(self, origin), *origin)
        finally:
            self._connecting -= 1
        if self._closed:
            connection.close()
            raise RuntimeError("the LeanClient is closed")
        self._open.add(connection)
        self._sockets.add(connection)
        return connection

    def _discard(self, connection: _Connection) -> None:
        """Take a connection that is closing or closed out of the pool."""
        self._open.discard(connection)
        idle = self._idle.get(connection.origin)
        if idle and connection in idle:
            idle.remove(connection)

    def _lost(self, connection: _Connection) -> None:
        """Forget a connection whose socket is closed."""
        self._discard(connection)
        self._sockets.discard(connection)

    async def close(self) -> None:
        """Close every connection (requests in flight get ``ConnectionResetError``)."""
        self._closed = True
        connections = list(self._sockets)
        for connection in connections:
            connection.close()
        self._idle.clear()
        for connection in connections:
            await connection.wait_closed()

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
