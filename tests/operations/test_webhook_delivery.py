"""Outgoing webhooks seen from outside, as an operator and a receiver see them.

- ``feedbackbot run`` killed with SIGKILL while it sends an event (the receiver holds the
  request, so the kill surely lands before any 2xx): after a restart the event is sent again
  with the same ``webhook-id`` and taken once. Real processes: the endpoint added with
  ``feedbackbot webhooks add``, the item made with ``feedbackbot console``.
- A receiver down for a while, then back: ``run``'s own pieces in this process on the real
  SQLite database and an injected clock (no waiting out the back-off), every event delivered
  once, each item's in the order they happened.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from adapters.app.composition import open_app
from adapters.app.serving import serving
from adapters.app.settings import load_settings
from adapters.sealing import new_key
from bot.core import Core
from bot.identity import Person, Platform, Workspace
from bot.items import ItemKind, Status
from bot.service import Submission
from bot.webhooks import Attempt
from tests.fakes import FixedClock
from tests.processes import FEEDBACKBOT, free_port, installed, running
from tests.webhooks.receiver import Receiver

CONSOLE = Workspace(Platform.CONSOLE, "local")
SERVING = b"the dashboard alone"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


class HoldingReceiver(Receiver):
    """The receiver fake, which while ``holding`` keeps each request unanswered (until it
    stops) and notes its ``webhook-id`` in ``held``: a send cut before any answer."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = False
        self.held: list[str] = []
        self._let_go = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if not self.holding:
            return await super()._handle(request)
        self.held.append(request.headers.get("webhook-id", ""))
        async with self._changed:
            self._changed.notify_all()
        await self._let_go.wait()
        return web.Response(status=503)

    async def stop(self) -> None:
        self._let_go.set()
        await super().stop()


def bot_env(clean_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **clean_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'feedbackbot.db'}",
        "FEEDBACKBOT_SEAL_KEY": new_key(),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        **extra,
    }
    if "PYTHONPATH" in os.environ:  # a checkout other than the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


async def added_endpoint(env: dict[str, str], cwd: Path, url: str) -> str:
    """``feedbackbot webhooks add`` for the console workspace; the secret it printed."""
    added = await installed("webhooks", "add", "--workspace", str(CONSOLE), url, env=env, cwd=cwd)
    assert added.status == 0, added.stderr
    found = SECRET.search(added.stdout)
    assert found is not None, added.stdout
    return found.group(0)


async def test_an_event_whose_send_a_sigkill_cut_is_sent_again_after_a_restart_and_taken_once(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    # Claims of a killed process run out after a second, not the default minute.
    env = bot_env(clean_env, tmp_path, WEBHOOK_LEASE_S="1")
    receiver = HoldingReceiver()
    async with receiver:
        receiver.trust(await added_endpoint(env, tmp_path, receiver.url()))
        receiver.holding = True
        bot = await asyncio.create_subprocess_exec(
            FEEDBACKBOT, "run", env=env, cwd=tmp_path, stderr=subprocess.PIPE
        )
        try:
            assert bot.stderr is not None
            async with asyncio.timeout(30):
                while SERVING not in (line := await bot.stderr.readline()):
                    assert line, "feedbackbot run ended before serving"
            said = await installed(
                "console", env=env, cwd=tmp_path, typed="/request must-have: SSO for Grafana\n"
            )
            assert "#1" in said.stdout, said
            await receiver.wait_for(lambda _: len(receiver.held) == 1)
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        receiver.holding = False

        async with running(env, tmp_path, SERVING):
            await receiver.wait_for(lambda r: len(r.payloads) == 1)
        listed = await installed("webhooks", "deliveries", env=env, cwd=tmp_path)

    (payload,) = receiver.payloads
    assert payload["id"] == receiver.held[0]  # the same webhook-id: a receiver can drop repeats
    assert payload["type"] == "item.created"
    assert payload["item"]["number"] == 1 and payload["item"]["text"] == "SSO for Grafana"
    assert [request.status for request in receiver.requests] == [204]  # sent once after
    assert listed.status == 0
    (attempt,) = listed.stdout.splitlines()  # the cut send recorded nothing
    assert "item.created" in attempt and "HTTP 204" in attempt and "(delivered)" in attempt


# -- a receiver down, then back ---------------------------------------------------------------


async def attempts_once(
    core: Core, holds: Callable[[list[Attempt]], bool], what: str
) -> list[Attempt]:
    """The recorded attempts once ``holds`` says they show what the test waits for: the
    dispatcher of ``run`` works on its own loop, which can only be watched."""
    deadline = time.monotonic() + 5
    while not holds(attempts := await core.webhooks.deliveries(CONSOLE, limit=500)):
        assert time.monotonic() < deadline, f"still waiting for {what}: {attempts}"
        await asyncio.sleep(0.02)
    return attempts


def unanswered(count: int) -> Callable[[list[Attempt]], bool]:
    """Whether ``count`` attempts got no answer."""
    return lambda attempts: sum(1 for each in attempts if each.status is None) == count


async def test_a_receiver_down_for_a_while_then_back_gets_every_event_once_in_order_per_item(
    tmp_path: Path,
) -> None:
    clock = FixedClock(datetime.now(UTC))
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'feedbackbot.db'}",
        "FEEDBACKBOT_SEAL_KEY": new_key(),
        "HOST": "127.0.0.1",
        "PORT": "0",
    }
    async with (
        Receiver(now=clock.now) as receiver,
        open_app(load_settings(env), clock, webhooks=True) as app,
        serving(app),
    ):
        core = app.core
        _, secret = await core.webhooks.add(CONSOLE, receiver.url())
        receiver.trust(secret)
        await receiver.go_down()
        feedback = core.feedback
        for text in ("Dark mode", "Offline mode", "SSO for Grafana"):
            await feedback.submit(
                Submission(CONSOLE, "general", Person("console:ann", "ann"), ItemKind.REQUEST, text)
            )
        await feedback.vote(CONSOLE, 1, Person("console:bob", "bob"))
        await feedback.vote(CONSOLE, 1, Person("console:cy", "cy"))
        await feedback.change_status(CONSOLE, 1, Status.PLANNED, note="next quarter")
        await feedback.vote(CONSOLE, 2, Person("console:bob", "bob"))
        await feedback.change_status(CONSOLE, 3, Status.UNDER_REVIEW)

        # Down for half an hour: each item's oldest event is tried, fails, and is tried again
        # after a back-off; the later events of an item wait behind it.
        await attempts_once(core, unanswered(3), "the first attempts")
        for round_, minutes in enumerate((1, 4, 25), start=2):
            clock.advance(timedelta(minutes=minutes))
            await attempts_once(core, unanswered(3 * round_), f"retries after {minutes} min")
        # More happens while it is down.
        await feedback.vote(CONSOLE, 1, Person("console:dee", "dee"))

        await receiver.come_up()
        clock.advance(timedelta(hours=1))
        await receiver.wait_for(lambda r: len(r.payloads) == 9, timeout=5)
        attempts = await core.webhooks.deliveries(CONSOLE, limit=500)

    def happened(number: int) -> list[tuple[str, object]]:
        return [
            (p["type"], (p["data"] or {}).get("votes") or (p["data"] or {}).get("to"))
            for p in receiver.of_item(number)
        ]

    assert happened(1) == [
        ("item.created", None),
        ("item.voted", 1),
        ("item.voted", 2),
        ("item.status_changed", "planned"),
        ("item.voted", 3),
    ]
    assert happened(2) == [("item.created", None), ("item.voted", 1)]
    assert happened(3) == [("item.created", None), ("item.status_changed", "under_review")]
    assert len(set(receiver.ids)) == len(receiver.ids) == 9  # each once
    down = [attempt for attempt in attempts if attempt.status is None]
    assert len(down) == 12 and all(attempt.error for attempt in down)
    assert {attempt.type.value for attempt in down} == {"item.created"}
