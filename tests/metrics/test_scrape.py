"""What an operator's Prometheus sees at ``GET /metrics`` after people used the bot: requests
and their acknowledgements, items, votes, status changes, thank-yous, a reminder and an SLA
breach, and the gauges read from the database."""

from __future__ import annotations

from datetime import timedelta

from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.platforms import slack_outlets
from adapters.slack.chat import SlackChat
from bot.identity import Platform
from bot.items import Status
from bot.slas import TriageChannels
from tests.metrics.conftest import Bot
from tests.slack.conftest import ACME, TRIAGE

SLACK = {"platform": "slack"}


async def thanked(bot: Bot, command: str, text: str) -> str:
    """Use ``command``; the ts of the thank-you it posted in C1."""
    answer = await bot.slack.command(command, text)
    assert answer.status_code == 200
    await bot.served.settled()
    return str(bot.fake.messages("C1")[-1]["ts"])


async def test_a_command_counts_its_request_ack_item_and_thank_you(bot: Bot) -> None:
    await thanked(bot, "/request", "must-have: single sign-on")

    samples = await bot.scrape()

    command = {**SLACK, "command": "/request"}
    assert samples.value("feedbackbot_requests_total", **command) == 1
    assert samples.value("feedbackbot_acks_total", **command, outcome="ok") == 1
    assert samples.value("feedbackbot_ack_seconds_count", **command) == 1
    assert samples.value("feedbackbot_ack_seconds_bucket", **command, le="+Inf") == 1
    assert (
        samples.value(
            "feedbackbot_items_recorded_total",
            **SLACK,
            kind="request",
            stakeholder="internal",
            priority="must-have",
        )
        == 1
    )
    assert (
        samples.value(
            "feedbackbot_deliveries_total", **SLACK, purpose="thanks", outcome="posted", error=""
        )
        == 1
    )


async def test_votes_and_status_changes_are_counted(bot: Bot) -> None:
    ts = await thanked(bot, "/feedback", "the dashboard is slow")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-1")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-2")  # already voted
    await bot.slack.reaction(False, user="U2", ts=ts, event_id="Ev-3")
    await bot.app.core.feedback.change_status(ACME, 1, Status.UNDER_REVIEW)

    samples = await bot.scrape()

    assert samples.value("feedbackbot_votes_total", **SLACK, action="cast") == 1
    assert samples.value("feedbackbot_votes_total", **SLACK, action="unchanged") == 1
    assert samples.value("feedbackbot_votes_total", **SLACK, action="withdrawn") == 1
    assert samples.value("feedbackbot_requests_total", **SLACK, command="reaction_added") == 2
    assert samples.value("feedbackbot_requests_total", **SLACK, command="reaction_removed") == 1
    assert (
        samples.value(
            "feedbackbot_status_changes_total",
            **SLACK,
            from_status="new",
            to_status="under_review",
        )
        == 1
    )


async def test_a_press_of_a_button_is_counted_as_one(bot: Bot) -> None:
    await bot.slack.block_actions("fb:pulse:999:4", user_id="U2", channel_id="C1")

    samples = await bot.scrape()

    assert samples.value("feedbackbot_requests_total", **SLACK, command="button") == 1
    assert samples.value("feedbackbot_acks_total", **SLACK, command="button", outcome="ok") == 1


async def test_a_failed_thank_you_is_counted_by_its_error_code(bot: Bot) -> None:
    bot.fake.fail("chat.postMessage", "channel_not_found")
    await bot.slack.command("/feedback", "nobody hears this in the channel")
    await bot.served.settled()

    samples = await bot.scrape()

    assert (
        samples.value(
            "feedbackbot_deliveries_total",
            **SLACK,
            purpose="thanks",
            outcome="failed",
            error="channel_not_found",
        )
        == 1
    )


async def test_a_reminder_counts_the_occurrence_posted_and_those_missed(bot: Bot) -> None:
    roadmap = bot.app.core.roadmap
    reminder = await roadmap.add_reminder(ACME, "C1", "every day at 09:30")
    assert reminder.id is not None
    # Three days later: the two earlier occurrences were never posted.
    bot.clock.advance(timedelta(days=2, minutes=31))
    chats = PlatformDirectory()
    assert bot.served.slack is not None
    chats.register(Platform.SLACK, slack_outlets(bot.served.slack.client))

    await roadmap.fire(reminder.id, chats)
    samples = await bot.scrape()

    assert samples.value("feedbackbot_reminder_occurrences_total", **SLACK, outcome="posted") == 1
    assert samples.value("feedbackbot_reminder_occurrences_total", **SLACK, outcome="missed") == 2


async def test_an_sla_breach_is_counted_and_stays_open_in_the_gauges(bot: Bot) -> None:
    await thanked(bot, "/request", "must-have: audit logs")
    await thanked(bot, "/request", "good-to-have: dark mode")
    bot.clock.advance(timedelta(days=3))
    channels = TriageChannels()
    assert bot.served.slack is not None
    channels.serve(Platform.SLACK, SlackChat(bot.served.slack.client), TRIAGE)

    breaches = await bot.app.core.slas.check(channels)
    samples = await bot.scrape()

    assert [breach.number for breach in breaches] == [1]
    labels = {**SLACK, "sla_class": "must-have", "stakeholder": "internal"}
    assert samples.value("feedbackbot_sla_breaches_total", **labels) == 1
    assert samples.value("feedbackbot_open_sla_breaches", **SLACK, workspace="T1") == 1
    assert (
        samples.value("feedbackbot_oldest_open_must_have_age_seconds", **SLACK, workspace="T1")
        == timedelta(days=3).total_seconds()
    )


async def test_open_items_are_counted_by_status_stakeholder_and_priority(bot: Bot) -> None:
    await thanked(bot, "/request", "must-have: audit logs")
    await thanked(bot, "/request", "must-have: sso")
    await thanked(bot, "/feedback", "love it")
    await thanked(bot, "/feedback", "this one is declined")
    await bot.app.core.feedback.change_status(ACME, 2, Status.PLANNED)
    await bot.app.core.feedback.change_status(ACME, 4, Status.DECLINED)

    samples = await bot.scrape()

    where = {**SLACK, "workspace": "T1", "stakeholder": "internal"}
    name = "feedbackbot_open_items"
    assert samples.value(name, **where, status="new", priority="must-have") == 1
    assert samples.value(name, **where, status="planned", priority="must-have") == 1
    assert samples.value(name, **where, status="new", priority="") == 1
    assert samples.total(name) == 3  # the declined one is no longer open


async def test_database_transactions_are_timed(bot: Bot) -> None:
    await thanked(bot, "/feedback", "anything")

    samples = await bot.scrape()

    assert samples.total("feedbackbot_db_transaction_seconds_count") >= 1
    assert samples.total("feedbackbot_db_errors_total") == 0


async def test_no_label_carries_a_person_or_their_words(bot: Bot) -> None:
    await thanked(bot, "/request", "must-have: secret project falcon")
    ts = await thanked(bot, "/feedback", "anonymous words")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-1")

    samples = await bot.scrape()

    values = {value for (_, labels) in samples for _, value in labels}
    for private in ("U1", "U2", "alice", "bob", "Alice", "Bob", "falcon", "anonymous words"):
        assert not any(private in value for value in values), private
