"""What a chat platform's piece of ``feedbackbot run`` hands on once it serves: its name for the
log, its connection (if it keeps one), and how the scheduler posts there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.delivery import Outlet as DeliveryOutlet
from bot.identity import Platform
from bot.slas import TriageChannels

if TYPE_CHECKING:
    # Only for the annotation: the directory's module imports aiohttp.
    from adapters.scheduler.directory import OutletFactory


@dataclass(frozen=True, slots=True)
class Reach:
    """How the scheduler posts on one platform: reminders through ``outlets``, SLA breaches in
    the triage channel that ``triage`` adds to the channels it is given; and how the outbox
    delivers there."""

    platform: Platform
    outlets: OutletFactory
    triage: Callable[[TriageChannels], None]
    # How the outbox delivers there what was owed.
    deliver: DeliveryOutlet


@dataclass(frozen=True, slots=True)
class Served:
    """A platform this process serves. ``connection`` runs until stopped, surviving failures
    (adapters/app/supervising.py); one that ends on its own met a configuration error."""

    name: str
    reach: Reach
    connection: asyncio.Task[None] | None = None
