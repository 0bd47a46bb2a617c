"""What the pages work out from the core's values: the backlog's query, ages, thank-you links."""

from __future__ import annotations

from datetime import timedelta

from adapters.dashboard.views import age, backlog_asked, outcome, seconds, thanks_link, when
from bot.backlog import BacklogFilter, Sort
from bot.identity import MessageRef, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.webhook_events import EventType
from bot.webhooks import Attempt, DeliveryState
from tests.fakes import ADA, START

ME = ADA


def item_in(platform: Platform, thanks: MessageRef | None) -> Item:
    return Item(
        workspace=Workspace(platform, "W-1"),
        kind=ItemKind.REQUEST,
        text="SSO",
        channel_id="C-1",
        author=ADA,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
        number=1,
        thanks=thanks,
    )


def test_the_query_string_becomes_the_backlogs_filter_and_sort() -> None:
    asked = backlog_asked(
        {
            "kind": "request",
            "stakeholder": "external",
            "priority": "must-have",
            "channel": " C-OPS ",
            "mine": "1",
            "q": "  audit   log ",
            "sort": "changed",
            "after": "cursor",
        },
        ["planned", "in pilot"],
        ME,
    )
    assert asked.filter == BacklogFilter(
        statuses=frozenset({Status.PLANNED, Status.IN_PILOT}),
        kind=ItemKind.REQUEST,
        stakeholder=Stakeholder.EXTERNAL,
        priority=Priority.MUST_HAVE,
        channel_id="C-OPS",
        author_id=ME.user_id,
        text="audit log",
    )
    assert (asked.sort, asked.after) == (Sort.CHANGED, "cursor")
    # Links repeat the filter and sort, never the page's cursor.
    assert asked.href("/backlog.csv") == (
        "/backlog.csv?status=planned&status=in_pilot&kind=request&stakeholder=external"
        "&priority=must-have&channel=C-OPS&mine=1&q=audit+log&sort=changed"
    )


def test_what_cannot_be_read_in_the_query_string_is_left_out() -> None:
    asked = backlog_asked(
        {"kind": "bug", "priority": "urgent", "sort": "random", "mine": "no"}, ["lost"], ME
    )
    assert asked.filter == BacklogFilter()
    assert asked.sort is Sort.VOTES
    assert asked.href("/backlog") == "/backlog"


def test_ages_read_as_people_say_them() -> None:
    assert age(START, START + timedelta(minutes=5)) == "5 min"
    assert age(START, START + timedelta(hours=3, minutes=59)) == "3 h"
    assert age(START, START + timedelta(days=12)) == "12 d"
    assert age(START, START + timedelta(days=200)) == "6 mo"
    assert age(START, START - timedelta(minutes=1)) == "0 min"
    assert when(START) == "2025-03-03 09:00 UTC" and when(None) == "-"


def test_a_thank_you_links_to_its_message_on_slack_and_discord_not_the_console() -> None:
    slack = item_in(Platform.SLACK, MessageRef("C-1", "1712345678.000200"))
    assert thanks_link(slack) == "https://slack.com/archives/C-1/p1712345678000200"
    discord = item_in(Platform.DISCORD, MessageRef("C-1", "123456789"))
    assert thanks_link(discord) == "https://discord.com/channels/W-1/C-1/123456789"
    assert thanks_link(item_in(Platform.CONSOLE, MessageRef("general", "console-1"))) is None
    assert thanks_link(item_in(Platform.SLACK, None)) is None


def test_an_attempts_outcome_reads_as_people_say_it() -> None:
    def attempt(status: int | None, state: DeliveryState, type: EventType) -> Attempt:
        workspace = Workspace(Platform.SLACK, "W-1")
        return Attempt(1, 1, workspace, "evt_1", type, 1, START, status, None, 0.01, state)

    assert outcome(attempt(204, DeliveryState.DELIVERED, EventType.CREATED)) == "delivered"
    assert outcome(attempt(500, DeliveryState.PENDING, EventType.CREATED)) == "failed, will retry"
    assert outcome(attempt(None, DeliveryState.FAILED, EventType.CREATED)) == "failed, given up"
    assert outcome(attempt(None, DeliveryState.FAILED, EventType.TEST)) == "failed"
    assert seconds(0.0123) == "12 ms" and seconds(2.25) == "2.2 s"
