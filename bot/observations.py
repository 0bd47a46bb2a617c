"""What operators count: the port through which the core (and the adapters) tell what happened,
for an adapter to turn into metrics.

Every value told here is bounded (an enum, a platform's error code, a command's name): never a
person's id or name, nor an item's text, so that no metric label can carry them. Telling is on
the hot path, so it is a plain call that returns at once; ``UNOBSERVED`` tells nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.identity import Platform
from bot.items import Item, Status


class Observations(Protocol):
    """Told by the core where it decides things, and by the adapters at their edge."""

    # -- the core ----------------------------------------------------------------------------

    def recorded(self, items: Sequence[Item]) -> None:
        """Items newly stored (each once, whichever way it came)."""
        ...

    def voted(self, platform: Platform, action: str) -> None:
        """A vote ``cast`` or ``withdrawn``, or ``unchanged`` (already cast, never cast, or a
        repeated delivery)."""
        ...

    def status_changed(self, platform: Platform, before: Status, after: Status) -> None: ...

    def delivered(self, platform: Platform, purpose: str, outcome: str, error: str = "") -> None:
        """One attempt at an owed message: ``posted``, ``retry`` (a passing failure, kept),
        ``failed`` (given up; a thank-you then goes privately). ``error`` is the platform's
        error code."""
        ...

    def rate_limited(self, platform: Platform) -> None:
        """The platform answered 429 (too many requests)."""
        ...

    def reminder(self, platform: Platform, outcome: str, count: int = 1) -> None:
        """Reminder occurrences ``posted``, ``missed`` (never to be posted: folded into a later
        one or past the grace window), ``failed``, ``owed`` or ``disabled``."""
        ...

    def sla_breached(self, platform: Platform, klass: str, stakeholder: str) -> None: ...

    # -- the adapters ------------------------------------------------------------------------

    def request(self, platform: Platform, command: str) -> None:
        """A request from the platform arrived (a command, a form, a reaction...)."""
        ...

    def acked(self, platform: Platform, command: str, seconds: float, ok: bool) -> None:
        """The platform got its answer to a request, ``seconds`` after it arrived."""
        ...

    def retried(self, platform: Platform, reason: str) -> None:
        """A platform API call was retried by its client (``reason``: why, e.g. ``429``)."""
        ...

    def transaction(self, kind: str, seconds: float, failed: bool) -> None:
        """A database transaction (``kind``: ``unit_of_work`` or ``group_commit``) ended."""
        ...


class Unobserved:
    """Tells nobody: what runs when metrics are off, and the default everywhere."""

    def recorded(self, items: Sequence[Item]) -> None:
        pass

    def voted(self, platform: Platform, action: str) -> None:
        pass

    def status_changed(self, platform: Platform, before: Status, after: Status) -> None:
        pass

    def delivered(self, platform: Platform, purpose: str, outcome: str, error: str = "") -> None:
        pass

    def rate_limited(self, platform: Platform) -> None:
        pass

    def reminder(self, platform: Platform, outcome: str, count: int = 1) -> None:
        pass

    def sla_breached(self, platform: Platform, klass: str, stakeholder: str) -> None:
        pass

    def request(self, platform: Platform, command: str) -> None:
        pass

    def acked(self, platform: Platform, command: str, seconds: float, ok: bool) -> None:
        pass

    def retried(self, platform: Platform, reason: str) -> None:
        pass

    def transaction(self, kind: str, seconds: float, failed: bool) -> None:
        pass


UNOBSERVED: Observations = Unobserved()


def error_code(reason: str) -> str:
    """A failure's reason as a bounded label: its first word (a platform's error code such as
    ``channel_not_found``, or an HTTP status), at most 40 characters of ``[a-z0-9_]``. Reasons
    are ours or the platform's, never a person's words, but may carry ids and numbers after
    their first word."""
    first = reason.strip().split(" ", 1)[0].split(":", 1)[0].lower()
    code = "".join(c if (c.isascii() and c.isalnum()) or c == "_" else "_" for c in first)[:40]
    return code or "unknown"
