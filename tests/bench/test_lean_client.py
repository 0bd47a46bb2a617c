"""The benchmark's lean HTTP client (``bench.lean_client``) against real servers on 127.0.0.1:
an aiohttp application, and bare asyncio servers for answers aiohttp would not give."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bench.lean_client import LeanClient, LeanHTTPError, _Connection

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class App:
    url: str
    peers: list[int] = field(default_factory=list)  # the client's port, per request
    in_flight: int = 0
    most_in_flight: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    gate_at: int = 0  # /gate answers once this many requests are in flight


@pytest.fixture
async def app() -> AsyncIterator[App]:
    state = App("")

    def peer(request: web.Request) -> int:
        assert request.transport is not None
        port: int = request.transport.get_extra_info("peername")[1]
        state.peers.append(port)
        return port

    async def echo(request: web.Request) -> web.Response:
        peer(request)
        body = await request.text()
        assert request.headers["Content-Type"] == FORM["Content-Type"]
        assert request.headers["Host"] == state.url.removeprefix("http://")
        return web.Response(text=f"{request.headers.get('X-Tag', '')}:{body}")

    async def gate(request: web.Request) -> web.Response:
        peer(request)
        state.in_flight += 1
        state.most_in_flight = max(state.most_in_flight, state.in_flight)
        if state.in_flight >= state.gate_at:
            state.gate.set()
        await state.gate.wait()
        state.in_flight -= 1
        return web.Response(text=await request.text())

    async def chunked(request: web.Request) -> web.StreamResponse:
        peer(request)
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for piece in ("first ", "second ", "dritte Stück ", "x" * 10_000):
            await response.write(piece.encode())
        await response.write_eof()
        return response

    async def close(request: web.Request) -> web.Response:
        peer(request)
        return web.Response(text="bye", headers={"Connection": "close"})

    application = web.Application()
    for path, handler in (("/echo", echo), ("/gate", gate), ("/chunked", chunked)):
        application.router.add_post(path, handler)
    application.router.add_post("/close", close)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Starts bare asyncio servers (``await raw(handler)`` is a base URL); closes them, and
    their connections, and waits for their handlers to end."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Future[object]] = []

    async def start(handler: Handler) -> str:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.append(task)
            writers.append(writer)
            try:
                await handler(reader, writer)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass  # the client went away
            finally:
                writer.close()

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    try:
        yield start
    finally:
        for writer in writers:
            writer.close()  # their handlers' reads end
        if handlers:
            await asyncio.wait(handlers, timeout=5)
        for server in servers:
            server.close()
            await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request's head and body (by its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


async def test_sequential_posts_reuse_one_connection(app: App) -> None:
    async with LeanClient(4) as client:
        answers = [
            await client.post(app.url + "/echo", f"n={n}".encode(), {**FORM, "X-Tag": str(n)})
            for n in range(5)
        ]
        assert client.open_connections == 1
    assert answers == [(200, f"{n}:n={n}") for n in range(5)]
    assert len(app.peers) == 5 and len(set(app.peers)) == 1
    assert client.open_connections == 0


async def test_concurrent_posts_use_at_most_the_pool(app: App) -> None:
    app.gate_at = 4
    async with LeanClient(4, timeout=10) as client:
        answers = await asyncio.gather(
            *(client.post(app.url + "/gate", f"n={n}".encode(), FORM) for n in range(12))
        )
        assert client.open_connections == 4
        # ... and they stay open for the next requests.
        await asyncio.gather(*(client.post(app.url + "/echo", b"", FORM) for _ in range(4)))
    assert answers == [(200, f"n={n}") for n in range(12)]
    assert app.most_in_flight == 4
    assert len(app.peers) == 16 and len(set(app.peers)) == 4


async def test_chunked_response(app: App) -> None:
    async with LeanClient(2) as client:
        status, text = await client.post(app.url + "/chunked", b"x=1", FORM)
        assert (status, text) == (200, "first second dritte Stück " + "x" * 10_000)
        assert await client.post(app.url + "/echo", b"after", FORM) == (200, ":after")
    assert len(set(app.peers)) == 1  # the chunked answer was read in full: the connection kept


async def test_connection_close_makes_the_next_request_reconnect(app: App) -> None:
    async with LeanClient(2) as client:
        assert await client.post(app.url + "/echo", b"1", FORM) == (200, ":1")
        assert await client.post(app.url + "/close", b"2", FORM) == (200, "bye")
        assert client.open_connections == 0
        assert await client.post(app.url + "/echo", b"3", FORM) == (200, ":3")
        assert await client.post(app.url + "/echo", b"4", FORM) == (200, ":4")
    first, closed, reconnected, reused = app.peers
    assert first == closed != reconnected == reused


async def test_a_connection_the_server_closed_while_idle_is_replaced(
    raw: Callable[[Handler], Awaitable[str]],
) -> None:
    requests: list[bytes] = []

    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        writer.close()

    url = await raw(answer_then_close)
    async with LeanClient(2) as client:
        assert await client.post(url + "/a", b"1", {}) == (200, "ok")
        (connection,) = client._sockets
        await asyncio.wait_for(connection.wait_closed(), 5)  # the server's EOF, seen
        assert client.open_connections == 0
        assert await client.post(url + "/b", b"2", {}) == (200, "ok")
    assert [request.split(b" ", 2)[1] for request in requests] == [b"/a", b"/b"]


async def test_a_dropped_connection_is_an_error_not_a_resend(
    app: App, raw: Callable[[Handler], Awaitable[str]]
) -> None:
    requests: list[bytes] = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await read_request(reader))
        writer.close()

    async def drop_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()
        writer.close()

    async with LeanClient(2, timeout=10) as client:
        for url in (await raw(drop), await raw(drop_mid_body)):
            with pytest.raises(ConnectionResetError):
                await client.post(url + "/slack/events", b"text=hello", FORM)
        assert client.open_connections == 0
        assert await client.post(app.url + "/echo", b"still", FORM) == (200, ":still")
    assert len(requests) == 2  # one each: nothing was sent twice
    assert all(request.endswith(b"\r\n\r\ntext=hello") for request in requests)
    assert requests[0].startswith(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:")


async def test_a_body_until_the_connection_closes(raw: Callable[[Handler], Awaitable[str]]) -> None:
    async def old_style(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        writer.close()

    async with LeanClient(1) as client:
        assert await client.post(await raw(old_style) + "/", b"", {}) == (200, "all of it")


async def test_a_malformed_answer_is_an_os_error(raw: Callable[[Handler], Awaitable[str]]) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SMTP ready\r\n\r\n")

    async with LeanClient(1) as client:
        with pytest.raises(LeanHTTPError):
            await client.post(await raw(garbage) + "/", b"", {})
        assert client.open_connections == 0


async def test_a_request_times_out(raw: Callable[[Handler], Awaitable[str]]) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # no answer, until the client gives up and closes

    async with LeanClient(1, timeout=0.05) as client:
        with pytest.raises(TimeoutError):
            await client.post(await raw(silent) + "/", b"", {})
        assert client.open_connections == 0


async def test_the_limit_counts_connections_to_every_server(
    app: App, raw: Callable[[Handler], Awaitable[str]]
) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not reader.at_eof():
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nother")

    other = await raw(answer)
    async with LeanClient(1) as client:
        assert await client.post(app.url + "/echo", b"1", FORM) == (200, ":1")
        assert await client.post(other + "/", b"", {}) == (200, "other")
        assert client.open_connections == 1
        assert await client.post(app.url + "/echo", b"2", FORM) == (200, ":2")
        assert client.open_connections == 1
    assert len(set(app.peers)) == 2  # its first connection was closed to make room


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def abort(self) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_a_response_split_anywhere_is_parsed() -> None:
    """Every byte in its own read: heads, chunk sizes (with an extension), chunks, trailers."""
    response = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 201 Created\r\ntransfer-ENCODING: Chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    client = LeanClient(1)
    connection = _Connection(client, ("127.0.0.1", 1))
    transport = FakeTransport()
    connection.connection_made(transport)
    for _ in range(2):  # twice on the same connection: the state is reset between responses
        answer = connection.send(b"request")
        for index in range(len(response)):
            assert not answer.done()
            connection.data_received(response[index : index + 1])
        assert answer.result() == (201, b"hello world")
        assert connection.reusable and not transport.closed
    assert transport.written == b"requestrequest"


async def test_what_would_break_the_framing_is_refused() -> None:
    async with LeanClient(1) as client:
        with pytest.raises(ValueError, match=r"http://127\.0\.0\.1:<port>"):
            await client.post("http://localhost:8080/", b"", {})
        with pytest.raises(ValueError, match="CR or LF"):
            await client.post("http://127.0.0.1:8080/", b"", {"X-Evil": "a\r\nHost: b"})
        with pytest.raises(ValueError, match=r"(?i)content-length"):
            await client.post("http://127.0.0.1:8080/", b"", {"content-length": "1"})
