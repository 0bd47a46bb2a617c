"""Tracker changes moving items, end to end: the fake GitHub and the fake Jira deliver signed
webhooks to the served routes (or the poll reads them), the real core moves the linked items
through the triage use case on a real database, and the requester and the voters are owed the
news (a reply in the thank-you's thread and direct messages), as when an admin moves them."""

from __future__ import annotations

import json

from adapters.scheduler.trackers import PollJob
from bot.identity import Person
from bot.items import Status
from bot.outbox import Purpose
from bot.tracking import TRACKER_ROLES
from storage.unit_of_work import SqlStorage
from tests.fakes import ACME, ADA, BOB, CY
from tests.trackers.conftest import GITHUB_SECRET, JIRA_SECRET, MORGAN, Bot
from tests.trackers.fake_server import Delivery, hub_signature

THREAD, DIRECT = Purpose.THREAD.value, Purpose.DIRECT.value


async def linked_and_planned(bot: Bot, text: str = "acme/widgets#12") -> None:
    """#1 by Ada, voted for by Bob and Cy, linked (the open issue plans it); the news of the
    link already owed is left aside by the tests."""
    await bot.request("SSO for the admin console", author=ADA)
    await bot.core.feedback.vote(ACME, 1, BOB)
    await bot.core.feedback.vote(ACME, 1, CY)
    await bot.link(1, text)
    assert (await bot.item(1)).status is Status.PLANNED


async def news_since(bot: Bot, before: int) -> list[dict[str, object]]:
    return (await bot.owed())[before:]


async def test_an_issue_closed_as_completed_ships_the_item_and_everyone_is_told(
    bot: Bot,
) -> None:
    await linked_and_planned(bot)
    before = len(await bot.owed())
    bot.github.close("acme/widgets", 12, "completed")
    answer = await bot.github.deliver(
        bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET
    )
    assert answer.status == 202
    assert answer.json == {
        "issue": "acme/widgets#12",
        "items": [{"item": 1, "to": "shipped", "outcome": "moved"}],
    }
    item = await bot.item(1)
    assert item.status is Status.SHIPPED
    last = item.history[-1]
    assert last.by == Person("github:acme/widgets#12", "GitHub acme/widgets#12")
    news = await news_since(bot, before)
    assert [(n["purpose"], n["person_id"]) for n in news] == [
        (THREAD, None),
        (DIRECT, ADA.user_id),
        (DIRECT, BOB.user_id),
        (DIRECT, CY.user_id),
    ]
    assert item.thanks is not None and news[0]["thread_message_id"] == item.thanks.message_id
    assert "shipped" in json.dumps(news[1]["body"])


async def test_an_issue_closed_as_not_planned_declines_the_item(bot: Bot) -> None:
    await linked_and_planned(bot)
    bot.github.close("acme/widgets", 12, "not_planned")
    answer = await bot.github.deliver(
        bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET
    )
    assert answer.status == 202
    assert (await bot.item(1)).status is Status.DECLINED


async def test_a_reopened_issue_plans_the_item_again(bot: Bot) -> None:
    await linked_and_planned(bot)
    await bot.core.triage.change_status(ACME, MORGAN, TRACKER_ROLES, None, 1, Status.IN_PILOT)
    bot.github.close("acme/widgets", 12, None)
    bot.github.reopen("acme/widgets", 12)
    answer = await bot.github.deliver(
        bot.github_hook, "reopened", "acme/widgets", 12, secret=GITHUB_SECRET
    )
    assert answer.status == 202
    assert (await bot.item(1)).status is Status.PLANNED


async def test_a_redelivered_webhook_changes_the_item_once(bot: Bot) -> None:
    await linked_and_planned(bot)
    bot.github.close("acme/widgets", 12, "completed")
    sent = bot.github.delivery(bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET)
    assert (await bot.github.send(sent)).status == 202
    item = await bot.item(1)
    owed = await bot.owed()
    again = await bot.github.send(sent)  # GitHub's "Redeliver": the same bytes, the same GUID
    assert again.status == 202
    assert again.json["items"] == [{"item": 1, "to": None, "outcome": "repeated"}]
    assert (await bot.item(1)).history == item.history
    assert await bot.owed() == owed


async def test_a_bad_signature_is_refused_and_nothing_changes(bot: Bot) -> None:
    await linked_and_planned(bot)
    owed = await bot.owed()
    bot.github.close("acme/widgets", 12, "completed")
    for secret, signature in (("a guess", None), (None, None), (None, "sha256=00")):
        answer = await bot.github.deliver(
            bot.github_hook, "closed", "acme/widgets", 12, secret=secret, signature=signature
        )
        assert answer.status == 401
    item = await bot.item(1)
    assert item.status is Status.PLANNED
    assert await bot.owed() == owed


async def test_a_ping_is_answered_and_moves_nothing(bot: Bot) -> None:
    await linked_and_planned(bot)
    answer = await bot.github.send(bot.github.ping(bot.github_hook, secret=GITHUB_SECRET))
    assert (answer.status, answer.json) == (200, {"ignored": True})


async def test_a_malformed_body_is_refused_with_400(bot: Bot) -> None:
    sent = bot.github.delivery(bot.github_hook, "closed", "acme/widgets", 12, secret=None)
    body = b'{"action": "closed", "issue": '
    headers = {**sent.headers, "X-Hub-Signature-256": hub_signature(GITHUB_SECRET, body)}
    answer = await bot.github.send(Delivery(sent.url, headers, body))
    assert answer.status == 400
    assert answer.text == "not a GitHub delivery (a body that is not JSON)"


async def test_a_reopened_issue_after_a_decline_is_noted_not_applied(bot: Bot) -> None:
    await linked_and_planned(bot)
    bot.github.close("acme/widgets", 12, "not_planned")
    await bot.github.deliver(bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET)
    bot.github.reopen("acme/widgets", 12)
    answer = await bot.github.deliver(
        bot.github_hook, "reopened", "acme/widgets", 12, secret=GITHUB_SECRET
    )
    assert answer.status == 202
    (applied,) = answer.json["items"]
    assert applied["outcome"].startswith("refused")
    assert (await bot.item(1)).status is Status.DECLINED
    async with SqlStorage(bot.engine).unit_of_work() as uow:
        notes = await uow.links.notes(ACME, 1)
    assert len(notes) == 1 and "GitHub acme/widgets#12 is open (reopened)" in notes[0][1]


async def test_jira_statuses_move_the_item_by_the_projects_map(bot: Bot) -> None:
    await linked_and_planned(bot, "PROJ-12")  # In Progress: planned
    moved = bot.jira.transition("PROJ-12", "In Pilot")
    answer = await bot.jira.deliver(bot.jira_hook, "PROJ-12", secret=JIRA_SECRET, changed=moved)
    assert answer.status == 202
    item = await bot.item(1)
    assert item.status is Status.IN_PILOT
    assert item.history[-1].by == Person("jira:PROJ-12", "Jira PROJ-12")
    moved = bot.jira.transition("PROJ-12", "Done", resolution="Done")
    answer = await bot.jira.deliver(
        bot.jira_hook, "PROJ-12", secret=JIRA_SECRET, changed=moved, in_query=True
    )
    assert answer.status == 202
    assert (await bot.item(1)).status is Status.SHIPPED


async def test_in_pilot_of_another_jira_project_is_still_planned(bot: Bot) -> None:
    await linked_and_planned(bot, "OPS-3")
    moved = bot.jira.transition("OPS-3", "In Pilot")
    answer = await bot.jira.deliver(bot.jira_hook, "OPS-3", secret=JIRA_SECRET, changed=moved)
    assert answer.json["items"] == [{"item": 1, "to": "planned", "outcome": "unchanged"}]
    assert (await bot.item(1)).status is Status.PLANNED


async def test_a_jira_delivery_with_a_wrong_secret_is_refused(bot: Bot) -> None:
    await linked_and_planned(bot, "PROJ-12")
    bot.jira.transition("PROJ-12", "Done", resolution="Won't Do")
    answer = await bot.jira.deliver(bot.jira_hook, "PROJ-12", secret="guess", in_query=True)
    assert answer.status == 401
    assert (await bot.item(1)).status is Status.PLANNED


async def test_the_poll_ships_an_item_whose_issue_closed_without_a_webhook(bot: Bot) -> None:
    await linked_and_planned(bot)
    before = len(await bot.owed())
    bot.github.close("acme/widgets", 12, "completed")
    assert await PollJob(bot.core.trackers).run() == 1
    assert (await bot.item(1)).status is Status.SHIPPED
    news = await news_since(bot, before)
    assert [n["person_id"] for n in news] == [None, ADA.user_id, BOB.user_id, CY.user_id]
    assert await PollJob(bot.core.trackers).run() == 0  # nothing new


async def test_a_poll_while_github_is_down_moves_nothing_and_raises_nothing(bot: Bot) -> None:
    await linked_and_planned(bot)
    bot.github.close("acme/widgets", 12, "completed")
    bot.github.fail(503, times=5)
    assert await PollJob(bot.core.trackers).run() == 0
    assert (await bot.item(1)).status is Status.PLANNED
