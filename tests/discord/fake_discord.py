"""A fake Discord on 127.0.0.1: the REST API and the gateway, enough for the real discord.py.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_url`` and
``DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url`` (``adapters.discord.app.apply_endpoints``
does both), drive it with ``command``/``submit_form``/``react``, then assert on ``fake.requests``
and on the messages it keeps per channel. Nothing here sleeps: waits wake on every request.

Kept close to Discord where the bot can observe it (shapes from Discord's API reference):

- the gateway sends HELLO, acknowledges heartbeats, answers IDENTIFY with READY (guilds
  unavailable) and then one GUILD_CREATE per guild, answers RESUME with the dispatches after
  the client's sequence number and RESUMED, and numbers every dispatch (``s``);
  ``close_gateway(code)`` closes the connection as Discord does;
- an interaction callback (``?with_response=1``) answers the callback object with the message
  it created; a response message, an ``@original`` edit and a followup are stored like channel
  messages, ephemeral ones apart (``ephemeral``);
- a message read over REST has empty ``content`` unless the bot identified with the
  MESSAGE_CONTENT intent (or wrote it itself);
- JSON is answered with ``content-type: application/json`` exactly;
- a message created with a ``nonce`` and ``enforce_nonce`` by an author who used that nonce in
  that channel within ``nonce_window`` seconds is answered with the first message, and no new
  one is made; the created message carries its ``nonce`` in that answer only (Discord documents
  it there and in the gateway's MESSAGE_CREATE, not in messages read back).

Faults, each on from the call that makes it until the test calls its ``end()`` (nothing waits
for time), for the requests of ``method`` whose path fully matches ``path`` (a regex):

- ``fail(...)``: the next ``times`` requests answer an error status with Discord's body;
- ``rate_limit(method, path, retry_after, is_global=False)``: 429 with Discord's body
  (``message``, ``retry_after``, ``global``) and headers (``Retry-After``, ``X-RateLimit-*``,
  and ``Via``, without which discord.py takes a 429 for Cloudflare's);
- ``server_error(method, path, status=500)``: a 5xx (discord.py retries 500, 502, 504 and
  524 itself, with sleeps, and raises at once on the others);
- ``slow(method, path)``: the request is held, unanswered, until ``end()``; then answered;
- ``drop(method, path, after_storing=False)``: the connection is closed once the request is
  read, with no answer; ``after_storing``: the message is made first ("posted, but the answer
  was lost");
- ``await refuse()`` / ``await accept()``: the REST API (its own port) stops listening and
  closes its open connections, so connections are refused; ``accept`` listens again.

Every fault counts the requests it took in ``hits``; a faulted request is in ``requests`` with
the status it was answered (0 when it got none).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

JsonDict = dict[str, Any]

BOT_ID = "900000000000000001"
APPLICATION_ID = "900000000000000002"
MESSAGE_CONTENT = 1 << 15
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19  # an application flag
EPHEMERAL = 1 << 6
NORMAL, BURST = 0, 1  # reaction types (Discord's Get Reactions: "Reaction Types")
_TIMESTAMP = "2025-03-03T09:00:00.000000+00:00"


@dataclass
class Request:
    """One REST request as the fake saw it; ``at`` is ``time.monotonic()`` on arrival."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float
    status: int = 200

    @property
    def json(self) -> JsonDict:
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class StoredMessage:
    id: str
    channel_id: str
    author: JsonDict
    content: str
    flags: int = 0
    message_reference: JsonDict | None = None
    allowed_mentions: JsonDict | None = None
    interaction_id: str | None = None
    # Action rows of buttons, as sent (Discord's "components").
    components: list[JsonDict] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def buttons(self) -> list[JsonDict]:
        """Every button under the message, in order, row by row."""
        return [button for row in self.components for button in row.get("components", [])]

    def button(self, label: str) -> JsonDict:
        """The button with that label (the test fails when there is none)."""
        (found,) = [b for b in self.buttons if b.get("label") == label]
        return found


@dataclass
class Dispatched:
    event: str
    data: JsonDict
    seq: int
    at: float


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    code: int
    message: str
    times: int


@dataclass
class Fault:
    """A fault on the requests of ``method`` to ``path`` until ``end()`` (see the module's
    docstring); ``hits`` counts the requests it took."""

    method: str
    path: re.Pattern[str]
    kind: str  # "rate_limit", "status", "slow" or "drop"
    status: int = 0
    retry_after: float = 0.0
    is_global: bool = False
    after_storing: bool = False
    hits: int = 0
    active: bool = True
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def end(self) -> None:
        """Off from now on; a held request (``slow``) is answered."""
        self.active = False
        self.released.set()

    def takes(self, method: str, path: str) -> bool:
        return self.active and self.method == method and bool(self.path.fullmatch(path))


GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2  # interaction context types


@dataclass(frozen=True)
class Place:
    """Where an interaction comes from: a server that installed the bot by default.
    ``owners`` is its ``authorizing_integration_owners`` (``None``: the server's own
    install); ``channel_type`` the channel's type outside a server; ``channel=False`` leaves
    the ``channel`` object out (Discord marks it optional)."""

    context: int = GUILD
    owners: dict[str, str] | None = None
    channel_type: int = 1
    channel: bool = True


# The bot's own DM with someone: no server, the guild install's owner "0" (Discord's
# "Authorizing Integration Owners Object"), a DM channel (type 1).
DM = Place(context=BOT_DM, owners={"0": "0"}, channel_type=1)

# Button styles Discord knows (docs/components/reference, "Button Styles"): primary,
# secondary, success, danger, link, premium.
BUTTON_STYLES = frozenset({1, 2, 3, 4, 5, 6})


def components_valid(components: object) -> bool:
    """Whether ``components`` (of a message or an interaction response) are action rows as
    Discord accepts them: at most 5 rows of at most 5 buttons, each with a style, a label of
    at most 80 characters and a ``custom_id`` of 1-100 characters (a link button, style 5,
    has a ``url`` instead)."""
    if components is None:
        return True
    if not isinstance(components, list) or len(components) > 5:
        return False
    for row in components:
        if not isinstance(row, dict) or row.get("type") != 1:
            return False
        buttons = row.get("components")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
            return False
        for button in buttons:
            if not isinstance(button, dict) or button.get("type") != 2:
                return False
            if button.get("style") not in BUTTON_STYLES or len(str(button.get("label", ""))) > 80:
                return False
            custom_id = button.get("custom_id")
            if button.get("style") != 5 and not (
                isinstance(custom_id, str) and 1 <= len(custom_id) <= 100
            ):
                return False
    return True


@dataclass
class _Guild:
    id: str
    name: str
    roles: dict[str, str] = field(default_factory=dict)  # id -> name
    channels: dict[str, str] = field(default_factory=dict)  # id -> name


class FakeDiscord:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.dispatched: list[Dispatched] = []
        self.identify: JsonDict | None = None
        self.commands: dict[str, list[JsonDict]] = {}  # "global" or a guild id -> commands
        self.messages: dict[str, StoredMessage] = {}
        self.users: dict[str, JsonDict] = {}
        self.members: dict[tuple[str, str], list[str]] = {}  # (guild, user) -> role ids
        # (guild, user) -> the member's permissions, when not the default (no Manage Server).
        self.permissions: dict[tuple[str, str], int] = {}
        self.guilds: dict[str, _Guild] = {}
        self.heartbeats = 0
        # message id -> (emoji, reaction type) -> the ids of who holds it, in the order they
        # reacted (``react`` and ``clear_reactions`` keep it).
        self.reactions: dict[str, dict[tuple[str, int], list[str]]] = {}
        self.identified = 0  # how many times the bot identified (connected anew)
        self.resumed = 0  # how many times it resumed its session
        # While set, the gateway refuses connections (503), as during an outage.
        self.gateway_refused = False
        self.gateway_refusals = 0
        self.token = "fake-token"  # the only bot token /users/@me accepts
        # The application's flags (Get Current Bot Application Information): by default the
        # Message Content intent enabled, as for a bot in fewer than 100 servers.
        self.application_flags = GATEWAY_MESSAGE_CONTENT_LIMITED
        # Called with every REST request as it is recorded (the benchmark times callbacks).
        self.listeners: list[Callable[[Request], None]] = []
        self.ready = asyncio.Event()
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._seq = 0
        self._failures: list[_Failure] = []
        self._faults: list[Fault] = []
        # How long a nonce sent with ``enforce_nonce`` keeps a second post from being made
        # (Discord says "the past few minutes"); (channel, author, nonce) -> (message, when).
        self.nonce_window = 300.0
        self._nonces: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._rest_runner: web.AppRunner | None = None
        self._rest_site: web.TCPSite | None = None
        self._rest_port: int | None = None
        self._socket: web.WebSocketResponse | None = None
        self._originals: dict[str, str] = {}  # interaction token -> its response message id
        self._tokens: dict[str, str] = {}  # interaction id -> token
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.add_user(BOT_ID, "feedbackbot", bot=True)

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        # The REST API listens apart, so that refusing its connections leaves the gateway up.
        rest = web.Application()
        rest.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._rest_runner = web.AppRunner(rest, access_log=None)
        await self._rest_runner.setup()
        await self.accept()
        return self

    async def accept(self) -> None:
        """The REST API listens (again, on the same port) after ``refuse``."""
        assert self._rest_runner is not None
        self._rest_site = web.TCPSite(self._rest_runner, "127.0.0.1", self._rest_port or 0)
        await self._rest_site.start()
        self._rest_port = int(self._rest_runner.addresses[0][1])

    async def refuse(self) -> None:
        """Connections to the REST API are refused until ``accept``; open ones are closed."""
        assert self._rest_runner is not None and self._rest_site is not None
        await self._rest_site.stop()
        self._rest_site = None
        server = self._rest_runner.server
        for connection in server.connections if server is not None else []:
            connection.force_close()
        # On loopback the client's side of a closed connection is readable at once; a few
        # turns of the loop let its pool see the close, so its next request connects anew
        # (and is refused) rather than failing on a dead keep-alive connection.
        for _ in range(5):
            await asyncio.sleep(0)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        for fault in self._faults:
            fault.end()
        if self._rest_runner is not None:
            await self._rest_runner.cleanup()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._rest_port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    # -- set-up ------------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, user_id: str, name: str, *, bot: bool = False) -> JsonDict:
        user = {
            "id": user_id,
            "username": name,
            "global_name": name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }
        self.users[user_id] = user
        return user

    def add_guild(self, guild_id: str, name: str, channels: dict[str, str]) -> None:
        self.guilds[guild_id] = _Guild(guild_id, name, {}, dict(channels))

    def add_role(self, guild_id: str, role_id: str, name: str) -> None:
        self.guilds[guild_id].roles[role_id] = name

    def add_member(
        self,
        guild_id: str,
        user_id: str,
        name: str,
        roles: tuple[str, ...] = (),
        permissions: int | None = None,
    ) -> None:
        if user_id not in self.users:
            self.add_user(user_id, name)
        self.members[(guild_id, user_id)] = list(roles)
        if permissions is not None:
            self.permissions[(guild_id, user_id)] = permissions

    def add_message(self, channel_id: str, author_id: str, content: str) -> str:
        message = StoredMessage(self.new_id(), channel_id, self.users[author_id], content)
        self.messages[message.id] = message
        return message.id

    def fail(
        self, method: str, path: str, status: int, code: int, message: str, times: int = 1
    ) -> None:
        """The next ``times`` requests of ``method`` whose path matches ``path`` (a regex)
        answer ``status`` with Discord's error body."""
        self._failures.append(_Failure(method, re.compile(path), status, code, message, times))

    def rate_limit(
        self, method: str, path: str, retry_after: float, *, is_global: bool = False
    ) -> Fault:
        """429 with Discord's body and headers, until ``end()``."""
        return self._fault(
            Fault(method, re.compile(path), "rate_limit", 429, retry_after, is_global)
        )

    def server_error(self, method: str, path: str, status: int = 500) -> Fault:
        """``status`` (a 5xx) with Discord's body, until ``end()``."""
        return self._fault(Fault(method, re.compile(path), "status", status))

    def slow(self, method: str, path: str) -> Fault:
        """Requests are held unanswered until ``end()``, then answered as usual."""
        return self._fault(Fault(method, re.compile(path), "slow"))

    def drop(self, method: str, path: str, *, after_storing: bool = False) -> Fault:
        """The connection is closed once the request is read, with no answer; with
        ``after_storing`` the request takes effect first (the post is made)."""
        return self._fault(Fault(method, re.compile(path), "drop", after_storing=after_storing))

    def _fault(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    # -- inspection ------------------------------------------------------------------------------

    def requests_to(self, method: str, path: str) -> list[Request]:
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def callbacks(self) -> list[Request]:
        return self.requests_to("POST", r"/interactions/\d+/[^/]+/callback")

    def channel_messages(self, channel_id: str) -> list[StoredMessage]:
        """What everyone in the channel sees, oldest first (ephemeral messages left out)."""
        return [m for m in self.messages.values() if m.channel_id == channel_id and not m.ephemeral]

    def ephemeral_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.ephemeral]

    async def wait_for(
        self,
        method: str,
        path: str,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> list[Request]:
        """The requests of ``method`` to ``path`` (a regex), once at least ``count`` came."""
        await self.wait_until(
            lambda: len(self.requests_to(method, path)) >= count,
            timeout,
            lambda: f"{count} x {method} {path}; got {[(r.method, r.path) for r in self.requests]}",
        )
        return self.requests_to(method, path)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        describe: Callable[[], str] = lambda: "a condition",
    ) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {describe()}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- what people do ------------------------------------------------------------------------

    async def command(
        self,
        name: str,
        *,
        guild_id: str,
        channel_id: str,
        user_id: str,
        options: JsonDict | None = None,
        command_guild_id: str | None = None,
        subcommand: str | None = None,
        place: Place | None = None,
    ) -> Dispatched:
        """Someone uses ``/name`` (or ``/name subcommand``) with ``options`` (name -> value),
        in a server that installed the bot unless ``place`` says otherwise."""
        kinds = {bool: 5, int: 4, str: 3}
        given = [
            {"name": key, "type": kinds[type(value)], "value": value}
            for key, value in (options or {}).items()
        ]
        data: JsonDict = {
            "id": self.new_id(),
            "name": name,
            "type": 1,
            "options": (
                [{"name": subcommand, "type": 1, "options": given}] if subcommand else given
            ),
        }
        if command_guild_id is not None:
            data["guild_id"] = command_guild_id
        return await self.dispatch(
            "INTERACTION_CREATE", self._interaction(2, data, guild_id, channel_id, user_id, place)
        )

    async def submit_form(
        self,
        custom_id: str,
        text: str,
        *,
        guild_id: str,
        channel_id: str,
        user_id: str,
        place: Place | None = None,
        message_id: str | None = None,
    ) -> Dispatched:
        """Someone submits a form: its text input sits in a label, as current clients send.
        A form opened by a button (``message_id``) carries the message the button is under."""
        data = {
            "custom_id": custom_id,
            "components": [
                {
                    "type": 18,
                    "id": 1,
                    "component": {"type": 4, "id": 2, "custom_id": "text", "value": text},
                }
            ],
        }
        payload = self._interaction(5, data, guild_id, channel_id, user_id, place)
        if message_id is not None:
            payload["message"] = self._render(self.messages[message_id])
        return await self.dispatch("INTERACTION_CREATE", payload)

    async def press(
        self,
        message_id: str,
        custom_id: str,
        *,
        user_id: str,
        guild_id: str | None = None,
    ) -> Dispatched:
        """Someone presses the button ``custom_id`` under the stored message: a Message
        Component interaction (type 3) whose ``data`` is Discord's "Message Component Data
        Structure" (``custom_id``, ``component_type`` 2 for a button) and whose ``message`` is
        the message the button is attached to. In a server (``guild_id``) it carries the
        member; in the bot's DM no guild and the ``user``, with ``context`` 1 and the guild
        install's owner "0" (docs/interactions/receiving-and-responding)."""
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        place = None if guild_id is not None else DM
        payload = self._interaction(3, data, guild_id or "", message.channel_id, user_id, place)
        payload["message"] = self._render(message)
        return await self.dispatch("INTERACTION_CREATE", payload)

    async def replay(self, dispatched: Dispatched) -> Dispatched:
        """The same event delivered again (as after a resume): same payload, same sequence."""
        return await self.dispatch(dispatched.event, dispatched.data, seq=dispatched.seq)

    async def react(
        self,
        added: bool,
        *,
        guild_id: str,
        channel_id: str,
        message_id: str,
        user_id: str,
        emoji: str = "👍",
        burst: bool = False,
        seq: int | None = None,
    ) -> Dispatched:
        """A reaction added or removed, a normal one or a super (``burst``) one; pass the
        ``seq`` of an earlier one to replay it (the message's reactions then stay as they are).
        Fields as Discord's Gateway Events reference lists them for MESSAGE_REACTION_ADD and
        MESSAGE_REACTION_REMOVE (``burst_colors`` on a super reaction only)."""
        kind = BURST if burst else NORMAL
        data: JsonDict = {
            "user_id": user_id,
            "channel_id": channel_id,
            "message_id": message_id,
            "guild_id": guild_id,
            "emoji": {"id": None, "name": emoji},
            "burst": burst,
            "type": kind,
        }
        if added:
            data["member"] = self._member(guild_id, user_id)
            data["burst_colors"] = ["#ffcc4d", "#ffaa00"] if burst else []
            stored = self.messages.get(message_id)
            if stored is not None:
                data["message_author_id"] = stored.author["id"]
        if seq is None:
            holders = self.reactions.setdefault(message_id, {}).setdefault((emoji, kind), [])
            if added and user_id not in holders:
                holders.append(user_id)
            elif not added and user_id in holders:
                holders.remove(user_id)
        event = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        return await self.dispatch(event, data, seq=seq)

    async def clear_reactions(
        self, *, guild_id: str, channel_id: str, message_id: str, emoji: str | None = None
    ) -> Dispatched:
        """A moderator clears one emoji from a message (MESSAGE_REACTION_REMOVE_EMOJI, both
        kinds of it) or, with no ``emoji``, every reaction (MESSAGE_REACTION_REMOVE_ALL)."""
        held = self.reactions.get(message_id, {})
        for key in [k for k in held if emoji is None or k[0] == emoji]:
            del held[key]
        data: JsonDict = {"channel_id": channel_id, "message_id": message_id, "guild_id": guild_id}
        if emoji is None:
            return await self.dispatch("MESSAGE_REACTION_REMOVE_ALL", data)
        data["emoji"] = {"id": None, "name": emoji}
        return await self.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data)

    def expect_interaction(self, interaction_id: str, token: str) -> None:
        """Accept callbacks for an interaction dispatched as built elsewhere."""
        self._tokens[interaction_id] = token

    async def dispatch(self, event: str, data: JsonDict, seq: int | None = None) -> Dispatched:
        """Send a dispatch (op 0) on the gateway; a new sequence number unless ``seq``."""
        await asyncio.wait_for(self.ready.wait(), 10)
        assert self._socket is not None
        if seq is None:
            self._seq += 1
            seq = self._seq
        sent = Dispatched(event, data, seq, time.monotonic())
        self.dispatched.append(sent)
        await self._socket.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": data}))
        return sent

    def _interaction(
        self,
        kind: int,
        data: JsonDict,
        guild_id: str,
        channel_id: str,
        user_id: str,
        place: Place | None = None,
    ) -> JsonDict:
        """An Interaction object as Discord's "Receiving and Responding" reference lists its
        fields: in a server, ``guild``, ``guild_id`` and ``member``; in a DM or group DM,
        ``user``; ``authorizing_integration_owners`` keyed by installation type ("0" server,
        "1" user) and ``context`` (0 server, 1 DM with the bot, 2 other DMs)."""
        place = place or Place()
        interaction_id, token = self.new_id(), f"token-{self.new_id()}"
        self._tokens[interaction_id] = token
        payload: JsonDict = {
            "id": interaction_id,
            "application_id": APPLICATION_ID,
            "type": kind,
            "data": data,
            "channel_id": channel_id,
            "token": token,
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": (
                place.owners if place.owners is not None else {"0": guild_id}
            ),
            "context": place.context,
            "attachment_size_limit": 10485760,
        }
        channel: JsonDict
        if place.context == GUILD:
            guild = self.guilds.get(guild_id) or _Guild(guild_id, "Elsewhere")
            payload["guild_id"] = guild_id
            payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self._member(guild_id, user_id)
            channel = self._channel(guild, channel_id)
        else:
            payload["user"] = self.users[user_id]
            # A DM (type 1), or a group DM (type 3) with a name and an owner.
            channel = {
                "id": channel_id,
                "type": place.channel_type,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.users[user_id]],
            }
            if place.channel_type == 3:
                channel.update(name=None, icon=None, owner_id=user_id)
        if place.channel:
            payload["channel"] = channel
        return payload

    def _member(self, guild_id: str, user_id: str) -> JsonDict:
        return {
            "user": self.users[user_id],
            "roles": self.members.get((guild_id, user_id), []),
            "nick": None,
            "avatar": None,
            "joined_at": _TIMESTAMP,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(self.permissions.get((guild_id, user_id), 2248473465835073)),
        }

    @staticmethod
    def _channel(guild: _Guild, channel_id: str) -> JsonDict:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": guild.id,
            "name": guild.channels.get(channel_id, "general"),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    # -- the gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.gateway_refused:
            self.gateway_refusals += 1
            await self._notify()
            return web.Response(status=503, text="gateway unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if message["op"] == 1:
                self.heartbeats += 1
                await socket.send_str(json.dumps({"op": 11}))
            elif message["op"] == 2:
                await self._identified(socket, message["d"])
            elif message["op"] == 6:
                await self._resumed(socket, message["d"])
        if self._socket is socket:
            # Nothing can be dispatched until the bot connects again.
            self.ready.clear()
            self._socket = None
            await self._notify()
        return socket

    async def gateway_down(self) -> None:
        """An outage: the connection is closed (1001, going away) and new ones are refused
        until ``gateway_up``."""
        self.gateway_refused = True
        if self._socket is not None:
            await self._socket.close(code=1001)

    def gateway_up(self) -> None:
        self.gateway_refused = False

    async def close_gateway(self, code: int) -> None:
        """Discord closes the gateway connection with ``code`` (its "Gateway Close Event
        Codes": 4000-4009 may be resumed; 4004 and 4010-4014 may not)."""
        assert self._socket is not None
        await self._socket.close(code=code)

    async def _identified(self, socket: web.WebSocketResponse, identify: JsonDict) -> None:
        self.identify = identify
        self.identified += 1
        self._seq += 1
        ready: JsonDict = {
            "v": 10,
            "user": self.users[BOT_ID],
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        await socket.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
        for guild in self.guilds.values():
            self._seq += 1
            payload = {"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": self._guild(guild)}
            await socket.send_str(json.dumps(payload))
        self.ready.set()
        await self._notify()

    async def _resumed(self, socket: web.WebSocketResponse, resume: JsonDict) -> None:
        """RESUME (op 6): the dispatches after the client's ``seq`` again, then RESUMED."""
        self.resumed += 1
        for missed in [d for d in self.dispatched if d.seq > int(resume.get("seq") or 0)]:
            payload = {"op": 0, "t": missed.event, "s": missed.seq, "d": missed.data}
            await socket.send_str(json.dumps(payload))
        self._seq += 1
        await socket.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
        self.ready.set()
        await self._notify()

    def _guild(self, guild: _Guild) -> JsonDict:
        roles = [
            {"id": guild.id, "name": "@everyone"},
            *[{"id": rid, "name": name} for rid, name in guild.roles.items()],
        ]
        return {
            "id": guild.id,
            "name": guild.name,
            "unavailable": False,
            "owner_id": "1",
            "member_count": len([k for k in self.members if k[0] == guild.id]),
            "large": False,
            "roles": [
                {
                    **role,
                    "color": 0,
                    "colors": {"primary_color": 0},
                    "hoist": False,
                    "position": index,
                    "permissions": "0",
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
                for index, role in enumerate(roles)
            ],
            "channels": [self._channel(guild, cid) for cid in guild.channels],
            "members": [],
            "threads": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": _TIMESTAMP,
            "premium_tier": 0,
            "preferred_locale": "en-US",
        }

    # -- the REST API ----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        raw = await request.read()
        body: Any = None
        if raw and request.content_type == "application/json":
            body = json.loads(raw)
        record = Request(
            request.method,
            path,
            dict(request.query),
            body,
            {k.lower(): v for k, v in request.headers.items()},
            time.monotonic(),
        )
        fault = next((f for f in self._faults if f.takes(request.method, path)), None)
        if fault is not None:
            fault.hits += 1
            if fault.kind == "slow":
                await fault.released.wait()
            elif fault.kind == "drop":
                return await self._dropped(request, record, fault)
            elif fault.kind == "rate_limit":
                return await self._rate_limited(record, fault)
            else:
                error = {"code": 0, "message": f"{fault.status}: Server Error"}
                return await self._respond(record, fault.status, error)
        failure = next(
            (
                f
                for f in self._failures
                if f.times > 0 and f.method == request.method and f.path.fullmatch(path)
            ),
            None,
        )
        if failure is not None:
            failure.times -= 1
            answer: tuple[int, Any] = (
                failure.status,
                {"code": failure.code, "message": failure.message},
            )
        else:
            answer = self._answer(record)
        return await self._respond(record, *answer)

    async def _recorded(self, record: Request, status: int) -> None:
        record.status = status
        self.requests.append(record)
        for listener in self.listeners:
            listener(record)
        await self._notify()

    async def _respond(
        self, record: Request, status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> web.Response:
        await self._recorded(record, status)
        if status == 204:
            return web.Response(status=204)
        # Exactly "application/json": discord.py parses a body as JSON only then.
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            content_type="application/json",
            headers=headers,
        )

    async def _rate_limited(self, record: Request, fault: Fault) -> web.Response:
        wait = fault.retry_after
        headers = {
            "Retry-After": str(math.ceil(wait)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + wait:.3f}",
            "X-RateLimit-Reset-After": f"{wait:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "global" if fault.is_global else "user",
            # Discord's answers come through Google's edge; discord.py trusts a 429 only then.
            "Via": "1.1 google",
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": wait}
        body["global"] = fault.is_global
        return await self._respond(record, 429, body, headers)

    async def _dropped(
        self, request: web.Request, record: Request, fault: Fault
    ) -> web.StreamResponse:
        if fault.after_storing:
            self._answer(record)
        await self._recorded(record, 0)
        assert request.transport is not None
        request.transport.abort()
        # Nothing more reaches the client; aiohttp only needs a response to finish with.
        return web.Response(status=204)

    def _answer(self, r: Request) -> tuple[int, Any]:
        routes: list[tuple[str, str, Callable[[Request, re.Match[str]], tuple[int, Any]]]] = [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", lambda r, m: (200, self._application())),
            ("GET", r"/gateway/bot", lambda r, m: (200, self._gateway_bot())),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._edit_original),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._delete_original),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self._get_message),
            ("GET", r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)", self._get_reactions),
            ("POST", r"/channels/(\d+)/messages", self._post_message),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member),
            ("POST", r"/users/@me/channels", self._open_dm),
            ("PUT", r"/applications/(\d+)/commands", self._put_commands),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_commands),
        ]
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, r.path)
            if method == r.method and match:
                return handler(r, match)
        return 404, {"code": 0, "message": "404: Not Found"}

    def _me(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        if r.headers.get("authorization") != f"Bot {self.token}":
            return 401, {"code": 0, "message": "401: Unauthorized"}
        return 200, self.users[BOT_ID]

    def _application(self) -> JsonDict:
        return {
            "id": APPLICATION_ID,
            "name": "feedbackbot",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.add_user("900000000000000003", "owner"),
            "summary": "",
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "tags": [],
        }

    def _gateway_bot(self) -> JsonDict:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _store(
        self, channel_id: str, body: JsonDict, *, interaction_id: str | None = None
    ) -> StoredMessage:
        message = StoredMessage(
            self.new_id(),
            channel_id,
            self.users[BOT_ID],
            str(body.get("content") or ""),
            int(body.get("flags") or 0),
            body.get("message_reference"),
            body.get("allowed_mentions"),
            interaction_id,
            list(body.get("components") or []),
        )
        self.messages[message.id] = message
        return message

    def _render(self, message: StoredMessage) -> JsonDict:
        content = message.content
        intents = int((self.identify or {}).get("intents", 0))
        if self.identify is not None and not intents & MESSAGE_CONTENT:
            # What Discord does for an app without the intent (its own messages excepted).
            content = content if message.author["id"] == BOT_ID else ""
        return {
            "id": message.id,
            "channel_id": message.channel_id,
            "author": message.author,
            "content": content,
            "timestamp": _TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 19 if message.message_reference else 0,
            "flags": message.flags,
            "components": message.components,
            **({"webhook_id": APPLICATION_ID} if message.interaction_id else {}),
        }

    def _interaction_type(self, interaction_id: str) -> int:
        for dispatched in reversed(self.dispatched):
            if dispatched.data.get("id") == interaction_id:
                kind = dispatched.data.get("type")
                return kind if isinstance(kind, int) else 2
        return 2

    def _interaction_channel(self, interaction_id: str) -> str:
        for dispatched in reversed(self.dispatched):
            if dispatched.data.get("id") == interaction_id:
                # An interaction sent without a channel (as Discord may) answers in none.
                channel = dispatched.data.get("channel_id")
                return channel if isinstance(channel, str) and channel.isdigit() else "0"
        return "0"

    def _callback(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        interaction_id, token = m.group(1), m.group(2)
        if self._tokens.get(interaction_id) != token:
            return 404, {"code": 10062, "message": "Unknown interaction"}
        if token in self._originals:
            return 400, {"code": 40060, "message": "Interaction has already been acknowledged."}
        kind, data = int(r.json.get("type", 0)), r.json.get("data") or {}
        if kind in (4, 5, 7) and not components_valid(data.get("components")):
            return 400, {"code": 50035, "message": "Invalid Form Body"}
        answer: JsonDict = {
            "interaction": {
                "id": interaction_id,
                "type": self._interaction_type(interaction_id),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
            }
        }
        if kind in (4, 5):
            channel = self._interaction_channel(interaction_id)
            message = self._store(channel, data, interaction_id=interaction_id)
            self._originals[token] = message.id
            answer["interaction"]["response_message_id"] = message.id
            answer["resource"] = {"type": kind, "message": self._render(message)}
        else:
            self._originals[token] = ""
            answer["resource"] = {"type": kind}
        if r.query.get("with_response") not in ("1", "true"):
            return 204, None
        return 200, answer

    def _edit_original(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        message = self.messages.get(self._originals.get(m.group(2), ""))
        if message is None:
            return 404, {"code": 10008, "message": "Unknown Message"}
        if "content" in r.json:
            message.content = str(r.json["content"] or "")
        if "components" in r.json:
            message.components = list(r.json["components"] or [])
        message.allowed_mentions = r.json.get("allowed_mentions", message.allowed_mentions)
        return 200, self._render(message)

    def _delete_original(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        message_id = self._originals.get(m.group(2), "")
        if message_id not in self.messages:
            return 404, {"code": 10008, "message": "Unknown Message"}
        del self.messages[message_id]
        return 204, None

    def _followup(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        if not components_valid(r.json.get("components")):
            return 400, {"code": 50035, "message": "Invalid Form Body"}
        token = m.group(2)
        interaction_id = next((i for i, t in self._tokens.items() if t == token), "")
        channel = self._interaction_channel(interaction_id)
        message = self._store(channel, r.json, interaction_id=interaction_id)
        return 200, self._render(message)

    def _get_message(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        message = self.messages.get(m.group(2))
        if message is None or message.channel_id != m.group(1) or message.ephemeral:
            return 404, {"code": 10008, "message": "Unknown Message"}
        return 200, self._render(message)

    def _get_reactions(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        """Get Reactions: the users who reacted with the emoji as ``type`` (0 normal, the
        default; 1 super), by id after ``after``, at most ``limit`` (1-100, default 25)."""
        message = self.messages.get(m.group(2))
        if message is None or message.channel_id != m.group(1):
            return 404, {"code": 10008, "message": "Unknown Message"}
        kind = int(r.query.get("type", NORMAL))
        limit = int(r.query.get("limit", 25))
        if not 1 <= limit <= 100 or kind not in (NORMAL, BURST):
            return 400, {"code": 50035, "message": "Invalid Form Body"}
        after = int(r.query.get("after", 0))
        held = self.reactions.get(message.id, {}).get((m.group(3), kind), [])
        users = sorted(int(u) for u in held if int(u) > after)[:limit]
        return 200, [self.users[str(u)] for u in users]

    def _post_message(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        if not r.json.get("content"):
            return 400, {"code": 50006, "message": "Cannot send an empty message"}
        if not components_valid(r.json.get("components")):
            return 400, {"code": 50035, "message": "Invalid Form Body"}
        channel_id, nonce = m.group(1), r.json.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            return 400, {"code": 50035, "message": "Invalid Form Body"}
        key = (channel_id, BOT_ID, str(nonce))
        if nonce is not None and r.json.get("enforce_nonce"):
            earlier = self._nonces.get(key)
            if earlier is not None and r.at - earlier[1] <= self.nonce_window:
                original = self.messages.get(earlier[0])
                if original is not None:
                    return 200, {**self._render(original), "nonce": str(nonce)}
        message = self._store(channel_id, r.json)
        answer = self._render(message)
        if nonce is not None:
            self._nonces[key] = (message.id, r.at)
            answer["nonce"] = str(nonce)
        return 200, answer

    def _get_member(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        if (m.group(1), m.group(2)) not in self.members:
            return 404, {"code": 10007, "message": "Unknown Member"}
        return 200, self._member(m.group(1), m.group(2))

    def _open_dm(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        user = self.users.get(str(r.json.get("recipient_id")))
        if user is None:
            return 400, {"code": 50033, "message": "Invalid Recipient(s)"}
        return 200, {"id": f"7{user['id'][1:]}", "type": 1, "recipients": [user]}

    def _put_commands(self, r: Request, m: re.Match[str]) -> tuple[int, Any]:
        target = m.group(2) if m.lastindex == 2 else "global"
        commands = [
            {
                **command,
                "id": self.new_id(),
                "application_id": APPLICATION_ID,
                "version": self.new_id(),
                **({"guild_id": target} if target != "global" else {}),
            }
            for command in (r.body if isinstance(r.body, list) else [])
        ]
        self.commands[target] = commands
        return 200, commands
