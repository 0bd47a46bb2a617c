"""What ``GET /readyz`` reports: the state of each part ``feedbackbot run`` needs (the database,
each configured platform, the scheduler), and whether the process can do its job.

It cannot while the database does not answer, or while a configured platform has been
disconnected for longer than ``DOWN_FOR_LONG``: a gateway that drops and comes back within
seconds is ordinary weather, and an orchestrator that pulled the process out of service for it
would make things worse. ``/healthz`` stays the cheap liveness answer; this one does a round
trip to the database, so it is for readiness probes and people, not for every second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.probe import database_problem

DOWN_FOR_LONG = timedelta(minutes=1)

JsonValue = str | int | bool | None


@dataclass(frozen=True, slots=True)
class PartState:
    """One part's state: ``ok`` is whether the process can work with it as it is."""

    state: str
    ok: bool = True
    detail: str | None = None
    since: datetime | None = None
    now: datetime | None = None

    def as_json(self) -> dict[str, JsonValue]:
        shown: dict[str, JsonValue] = {"state": self.state}
        if self.detail:
            shown["detail"] = self.detail
        if self.since is not None:
            shown["since"] = self.since.isoformat(timespec="seconds")
            if self.now is not None:
                shown["for_s"] = int((self.now - self.since).total_seconds())
        return shown


Probe = Callable[[], Awaitable[PartState]]


class Link:
    """A platform connection's state over time, told by whoever sees it change (the platform
    library's connect and disconnect events, the supervisor's failures)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._up = False
        self._ever_up = False
        self._since = clock.now()
        self._cause: str | None = None

    def up(self) -> None:
        if not self._up:
            self._up, self._ever_up, self._since, self._cause = True, True, self._clock.now(), None

    def down(self, cause: str | None = None) -> None:
        if self._up:
            self._up, self._since = False, self._clock.now()
        self._cause = cause or self._cause

    def observe(self, connected: bool) -> None:
        """The connection seen up or down, by a library that can only be asked."""
        if connected:
            self.up()
        else:
            self.down()

    def state(self) -> PartState:
        now = self._clock.now()
        if self._up:
            return PartState("up", since=self._since, now=now)
        state = "reconnecting" if self._ever_up else "connecting"
        ok = now - self._since <= DOWN_FOR_LONG
        return PartState(state, ok, self._cause, self._since, now)

    async def probe(self) -> PartState:
        return self.state()


@dataclass(frozen=True, slots=True)
class Report:
    ready: bool
    parts: dict[str, PartState]

    def as_json(self) -> dict[str, object]:
        failing = [name for name, part in self.parts.items() if not part.ok]
        shown: dict[str, object] = {"status": "ready" if self.ready else "not ready"}
        if failing:
            shown["failing"] = failing
        shown["parts"] = {name: part.as_json() for name, part in self.parts.items()}
        return shown


class Readiness:
    """The parts by name, each with how to learn its state; a part starting is ``starting``
    until its piece of ``run`` replaces the probe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._probes: dict[str, Probe] = {}

    def link(self) -> Link:
        """A new connection's state, on this report's clock."""
        return Link(self._clock)

    def add(self, name: str, probe: Probe) -> None:
        self._probes[name] = probe

    def starting(self, name: str) -> None:
        self.fixed(name, "starting")

    def fixed(self, name: str, state: str, detail: str | None = None) -> None:
        """A part whose state does not change while the process runs."""

        async def probe() -> PartState:
            return PartState(state, detail=detail)

        self.add(name, probe)

    async def report(self) -> Report:
        parts = {name: await probe() for name, probe in self._probes.items()}
        return Report(all(part.ok for part in parts.values()), parts)


def database_part(engine: AsyncEngine) -> Probe:
    async def probe() -> PartState:
        problem = await database_problem(engine)
        return PartState("up") if problem is None else PartState("unreachable", False, problem)

    return probe
