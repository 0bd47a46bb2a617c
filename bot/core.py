"""The core assembled on its ports: the use cases, and a conversation for each surface."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.backlog import BacklogService
from bot.conversation import Conversation, Surface
from bot.dashboard_access import DEFAULT_DASHBOARD_URL, SESSION_LIFETIME, DashboardAccess
from bot.delivery import LEASE, Delivery
from bot.enrichment import Enrichment
from bot.journal import Journal
from bot.observations import UNOBSERVED, Observations
from bot.ports import Clock, Seal, UnitOfWorkFactory, WriteTogether
from bot.roadmap import DEFAULT_GRACE, RETRY_DELAYS, RoadmapService, Sleep
from bot.service import FeedbackService
from bot.sla_check import SlaCheck
from bot.slas import SlaPolicy
from bot.state_map import StateMap
from bot.surveying import SurveyService
from bot.trackers import Tracker
from bot.tracking import TrackerService
from bot.triage import TriageService
from bot.webhook_dispatch import CONCURRENCY, WebhookDispatch
from bot.webhook_dispatch import LEASE as WEBHOOK_LEASE
from bot.webhooks import WebhookSender, WebhookService


@dataclass(frozen=True, slots=True)
class Core:
    """Every use case on one set of ports."""

    feedback: FeedbackService
    triage: TriageService
    roadmap: RoadmapService
    slas: SlaCheck
    clock: Clock
    enrichment: Enrichment
    access: DashboardAccess
    # Where the dashboard is reached: the start of the sign-in links given in chat.
    dashboard_url: str
    backlog: BacklogService
    # Items linked to tracker issues, moved as their issues move (issue 16).
    trackers: TrackerService
    # Outgoing webhooks: admins' endpoints, and (with a sender, in ``run``) their delivery.
    webhooks: WebhookService
    # "Did this solve it?" and pulse surveys' answers (issue 18); the composition root sets
    # its ``channels`` (the triage channels) where a platform is served.
    surveys: SurveyService
    dispatch: WebhookDispatch | None = None

    @property
    def delivery(self) -> Delivery:
        """What the use cases owe people, delivered (``serve`` a platform to deliver its own)."""
        return self.feedback.delivery

    def conversation(self, surface: Surface) -> Conversation:
        """What people say on ``surface``, answered by these use cases."""
        return Conversation(
            self.feedback,
            self.triage,
            self.roadmap,
            self.clock,
            surface,
            access=self.access,
            dashboard_url=self.dashboard_url,
            trackers=self.trackers,
            surveys=self.surveys,
        )


def assemble(
    uow: UnitOfWorkFactory,
    clock: Clock,
    *,
    seal: Seal | None = None,
    write_together: WriteTogether | None = None,
    policy: SlaPolicy | None = None,
    default_zone: str = "UTC",
    grace: timedelta = DEFAULT_GRACE,
    retry_delays: Sequence[float] = RETRY_DELAYS,
    sleep: Sleep = asyncio.sleep,
    owner: str | None = None,
    lease: timedelta = LEASE,
    observations: Observations = UNOBSERVED,
    dashboard_url: str = DEFAULT_DASHBOARD_URL,
    session_lifetime: timedelta = SESSION_LIFETIME,
    trackers: Mapping[str, Tracker] | None = None,
    state_map: StateMap | None = None,
    webhook_sender: WebhookSender | None = None,
    webhook_concurrency: int = CONCURRENCY,
    webhook_lease: timedelta = WEBHOOK_LEASE,
) -> Core:
    """The use cases wired to each other: the digest lists the SLA check's open breaches.
    ``seal`` keeps (and opens) anonymous authors' handles; ``write_together`` is storage's
    faster writer of new items and thank-you notes, when it has one; ``owner`` names this
    process in its claims on owed messages, which keep other processes off them for ``lease``;
    ``observations`` hears what the use cases decide (``bot.observations``); ``dashboard_url``
    starts the dashboard's sign-in links, whose sessions last ``session_lifetime``, and the
    links back to items from the issues created in ``trackers`` (by name), whose states
    ``state_map`` turns into statuses (the defaults without one); ``webhook_sender`` sends
    webhooks (tests, and the delivery in ``run``), up to ``webhook_concurrency`` at once, each
    claim keeping the others off for ``webhook_lease``."""
    journal = Journal(uow, write_together, observations)
    delivery = Delivery(uow, journal, clock, seal=seal, owner=owner, lease=lease)
    feedback = FeedbackService(uow, clock, seal, delivery=delivery)
    slas = SlaCheck(uow, clock, policy, delivery, observations)
    roadmap = RoadmapService(
        uow,
        clock,
        default_zone=default_zone,
        grace=grace,
        retry_delays=retry_delays,
        sleep=sleep,
        breaches=slas.open_breaches,
        owe=delivery.journal,
        observations=observations,
    )
    triage = TriageService(feedback, uow, clock, seal=seal)
    access = DashboardAccess(uow, clock, session_lifetime=session_lifetime)
    backlog = BacklogService(uow, clock)
    tracking = TrackerService(
        uow,
        clock,
        triage,
        trackers or {},
        state_map or StateMap(),
        item_url=lambda workspace, number: item_url(dashboard_url, number),
    )
    webhooks = WebhookService(uow, clock, seal, webhook_sender)
    dispatch = (
        None
        if webhook_sender is None
        else WebhookDispatch(
            uow,
            clock,
            seal,
            webhook_sender,
            owner=owner,
            concurrency=webhook_concurrency,
            lease=webhook_lease,
        )
    )
    return Core(
        feedback,
        triage,
        roadmap,
        slas,
        clock,
        Enrichment(uow),
        access,
        dashboard_url,
        backlog,
        tracking,
        webhooks=webhooks,
        surveys=SurveyService(uow, clock, delivery, seal=seal),
        dispatch=dispatch,
    )


def item_url(dashboard_url: str, number: int) -> str:
    """An item's page on the dashboard (its visitor signs in to the item's workspace)."""
    return f"{dashboard_url.rstrip('/')}/items/{number}"
