"""Recording feedback and requests: numbering, scoping, defaults, limits and failures."""

from __future__ import annotations

from datetime import timedelta

from bot.identity import MessageRef
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.ports import ItemQuery
from bot.service import Recorded, Refusal, Refused
from bot.text import MAX_TEXT_LENGTH
from tests.fakes import ACME, ADA, BOB, GENERAL, GLOBEX, START, build, request, submission


def recorded(outcome: Item | Refused) -> Item:
    assert isinstance(outcome, Item), outcome
    return outcome


def refused(outcome: object) -> Refused:
    assert isinstance(outcome, Refused), outcome
    return outcome


# -- numbering and workspace scoping ------------------------------------------------------------


async def test_feedback_and_request_in_one_workspace_get_numbers_1_and_2() -> None:
    h = build()

    first = recorded(await h.service.submit(submission("The dashboard is fast now")))
    second = recorded(await h.service.submit(request("Export to CSV")))

    assert (first.number, second.number) == (1, 2)
    stored = h.uow.stored_items(ACME)
    assert [(i.number, i.kind, i.text) for i in stored] == [
        (1, ItemKind.FEEDBACK, "The dashboard is fast now"),
        (2, ItemKind.REQUEST, "Export to CSV"),
    ]


async def test_each_workspace_numbers_its_items_from_1() -> None:
    h = build()

    await h.service.submit(submission("acme one"))
    await h.service.submit(submission("acme two"))
    globex_first = recorded(await h.service.submit(submission("globex one", workspace=GLOBEX)))
    acme_third = recorded(await h.service.submit(request("acme three")))

    assert globex_first.number == 1
    assert acme_third.number == 3
    assert [i.text for i in h.uow.stored_items(GLOBEX)] == ["globex one"]


async def test_list_shows_only_the_items_of_its_workspace_newest_first() -> None:
    h = build()
    await h.service.submit(submission("acme one"))
    await h.service.submit(submission("globex one", workspace=GLOBEX))
    await h.service.submit(request("acme two"))

    listed = await h.service.list_items(ACME)

    assert [(i.number, i.text) for i in listed] == [(2, "acme two"), (1, "acme one")]
    assert all(i.workspace == ACME for i in listed)


async def test_list_filters_by_kind() -> None:
    h = build()
    await h.service.submit(submission("a thought"))
    await h.service.submit(request("a wish"))

    listed = await h.service.list_items(ACME, ItemQuery(kind=ItemKind.REQUEST))

    assert [i.text for i in listed] == ["a wish"]


async def test_find_does_not_reach_into_another_workspace() -> None:
    h = build()
    await h.service.submit(submission("acme secret"))

    assert await h.service.find(GLOBEX, 1) is None
    found = await h.service.find(ACME, 1)
    assert found is not None and found.text == "acme secret"


async def test_export_of_one_workspace_holds_only_its_items_in_number_order() -> None:
    h = build()
    for text in ("acme one", "acme two", "acme three"):
        await h.service.submit(submission(text))
        await h.service.submit(submission(f"globex {text}", workspace=GLOBEX))

    exported = [item async for item in h.service.export(ACME)]

    assert [(i.number, i.text) for i in exported] == [
        (1, "acme one"),
        (2, "acme two"),
        (3, "acme three"),
    ]


async def test_export_of_every_workspace_gives_each_workspace_whole_and_in_order() -> None:
    h = build()
    await h.service.submit(submission("acme one"))
    await h.service.submit(submission("globex one", workspace=GLOBEX))
    await h.service.submit(submission("acme two"))

    exported = [(str(i.workspace), i.number, i.text) async for i in h.service.export()]

    assert exported == [
        (str(ACME), 1, "acme one"),
        (str(ACME), 2, "acme two"),
        (str(GLOBEX), 1, "globex one"),
    ]


# -- what is recorded --------------------------------------------------------------------------


async def test_request_without_a_priority_is_good_to_have() -> None:
    h = build()

    item = recorded(await h.service.submit(request("Dark mode")))

    assert item.priority is Priority.GOOD_TO_HAVE
    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.priority is Priority.GOOD_TO_HAVE


async def test_request_keeps_the_must_have_priority_its_author_chose() -> None:
    h = build()

    await h.service.submit(request("Single sign-on", priority=Priority.MUST_HAVE))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.priority is Priority.MUST_HAVE


async def test_feedback_carries_no_priority() -> None:
    h = build()

    await h.service.submit(submission("Love it", priority=Priority.MUST_HAVE))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.priority is None


async def test_new_item_records_author_channel_stakeholder_time_and_status() -> None:
    h = build()

    await h.service.submit(request("Status page", stakeholder=Stakeholder.EXTERNAL))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None
    assert stored.author == ADA
    assert stored.channel_id == GENERAL
    assert stored.stakeholder is Stakeholder.EXTERNAL
    assert stored.created_at == START
    assert stored.status is Status.NEW
    assert stored.votes == 0
    assert stored.acknowledged_at is None


async def test_anonymous_item_keeps_no_author() -> None:
    h = build()

    item = recorded(await h.service.submit(submission("The rota is exhausting", anonymous=True)))

    assert item.author is None and item.anonymous
    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.author is None
    assert await h.service.list_items(ACME, ItemQuery(author_id=ADA.user_id)) == []


# -- text: limits and cleaning -----------------------------------------------------------------


async def test_empty_text_is_refused_with_the_usage_and_nothing_is_stored() -> None:
    h = build()

    outcome = refused(await h.service.submit(request("   \n\t ")))

    assert outcome.reason is Refusal.EMPTY
    assert "/request [must-have|good-to-have] [anonymous]: <what you need>" in outcome.message.plain
    assert "nothing was recorded" in outcome.message.plain
    assert h.uow.all_items() == []


async def test_text_of_only_control_characters_counts_as_empty() -> None:
    h = build()

    outcome = refused(await h.service.submit(submission("\x00\x07\x1b")))

    assert outcome.reason is Refusal.EMPTY
    assert "/feedback [anonymous:] <what you think>" in outcome.message.plain
    assert h.uow.all_items() == []


async def test_text_one_over_the_limit_is_refused_whole_with_its_beginning_given_back() -> None:
    h = build()
    text = "x" * (MAX_TEXT_LENGTH + 1)

    outcome = refused(await h.service.submit(submission(text)))

    assert outcome.reason is Refusal.TOO_LONG
    assert outcome.text == text
    assert "too long" in outcome.message.plain
    assert "4,001" in outcome.message.plain and "4,000" in outcome.message.plain
    assert h.uow.all_items() == []


async def test_a_huge_text_is_refused_with_a_short_excerpt_not_an_echo() -> None:
    h = build()
    text = "The runners are slow. " + "z" * 200_000

    outcome = refused(await h.service.submit(submission(text)))

    assert "200,022 characters" in outcome.message.plain
    assert "It began: “The runners are slow." in outcome.message.plain
    assert len(outcome.message.plain) < 500


async def test_text_of_exactly_the_limit_is_stored_whole() -> None:
    h = build()
    text = "y" * MAX_TEXT_LENGTH

    recorded(await h.service.submit(submission(text)))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.text == text


async def test_control_characters_are_dropped_and_everything_else_kept_exactly() -> None:
    h = build()
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    kept = f"Deploys 🚀 fail {family} für Ünïcode 日本語 שלום e\u0301\nsecond line\n\tindented"

    await h.service.submit(
        submission(
            f"Deploys 🚀\x00 fail\x07 {family} für Ünïcode 日本語 "
            f"שלום e\u0301\x1b\nsecond line\n\tindented"
        )
    )

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.text == kept


async def test_windows_line_endings_become_plain_newlines() -> None:
    h = build()

    await h.service.submit(submission("line one\r\nline two"))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.text == "line one\nline two"


# -- storage failures ------------------------------------------------------------------------


async def test_unreachable_database_refuses_with_the_text_given_back() -> None:
    h = build()
    h.uow.unreachable = True

    outcome = refused(await h.service.submit(request("Audit logs please")))

    assert outcome.reason is Refusal.NOT_STORED
    assert outcome.text == "Audit logs please"
    assert "Audit logs please" in outcome.message.plain
    assert "nothing was recorded" in outcome.message.plain
    assert h.uow.all_items() == []


async def test_failed_commit_keeps_nothing() -> None:
    h = build()
    h.uow.fail_on_commit = True

    outcome = refused(await h.service.submit(submission("Lost?")))

    assert outcome.reason is Refusal.NOT_STORED
    assert h.uow.all_items() == []


async def test_numbers_continue_after_a_failed_submission() -> None:
    h = build()
    h.uow.fail_on_commit = True
    await h.service.submit(submission("lost"))
    h.uow.fail_on_commit = False

    item = recorded(await h.service.submit(submission("kept")))

    assert item.number == 1


# -- submit and thank --------------------------------------------------------------------------


async def test_submit_and_thank_thanks_the_person_in_the_channel() -> None:
    h = build()

    outcome = await h.service.submit_and_thank(request("Export to CSV"), h.chat)

    assert isinstance(outcome, Recorded)
    assert len(h.chat.posted) == 1
    channel, text = h.chat.posted[0]
    assert channel == GENERAL
    assert "Ada" in text and "#1" in text and "Export to CSV" in text
    assert h.chat.private == []


async def test_submit_and_thank_records_when_and_where_the_thank_you_was_posted() -> None:
    h = build()
    h.clock.advance(timedelta(seconds=2))

    outcome = await h.service.submit_and_thank(submission("Nice release"), h.chat)

    assert isinstance(outcome, Recorded)
    assert outcome.posted == MessageRef(GENERAL, "msg-1")
    stored = h.uow.stored(ACME, 1)
    assert stored is not None
    assert stored.acknowledged_at == START + timedelta(seconds=2)
    assert stored.thanks == MessageRef(GENERAL, "msg-1")


async def test_item_is_committed_before_the_thank_you_is_posted() -> None:
    h = build()

    await h.service.submit_and_thank(submission("Nice release"), h.chat)

    assert h.uow.units[0].committed
    assert len(h.uow.units) == 2  # the item, then the acknowledgement


async def test_channel_where_the_bot_may_not_post_gets_a_private_thank_you() -> None:
    h = build()
    h.chat.make_unavailable(GENERAL)

    outcome = await h.service.submit_and_thank(request("Export to CSV"), h.chat)

    assert isinstance(outcome, Recorded) and outcome.posted is None
    assert h.chat.posted == []
    assert len(h.chat.private) == 1
    channel, text = h.chat.private[0]
    assert channel == GENERAL and "#1" in text and "Export to CSV" in text
    assert h.chat.private_to == [ADA]
    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.acknowledged_at == START and stored.thanks is None


async def test_storage_failure_is_told_privately_and_nothing_is_posted() -> None:
    h = build()
    h.uow.unreachable = True

    outcome = await h.service.submit_and_thank(request("Audit logs please"), h.chat)

    assert isinstance(outcome, Refused) and outcome.reason is Refusal.NOT_STORED
    assert h.chat.posted == []
    assert len(h.chat.private) == 1
    assert h.chat.private[0][0] == GENERAL
    assert "Audit logs please" in h.chat.private[0][1]
    assert h.chat.private_to == [ADA]


async def test_empty_submission_shows_the_usage_privately() -> None:
    h = build()

    outcome = await h.service.submit_and_thank(submission(""), h.chat)

    assert isinstance(outcome, Refused) and outcome.reason is Refusal.EMPTY
    assert h.chat.posted == []
    assert "/feedback" in h.chat.private[0][1]


async def test_failure_while_noting_the_thank_you_keeps_the_item_and_the_thanks() -> None:
    h = build()
    h.uow.fail_after = 1  # the item is stored, the acknowledgement cannot be

    outcome = await h.service.submit_and_thank(submission("Nice release", author=BOB), h.chat)

    assert isinstance(outcome, Recorded)
    assert len(h.chat.posted) == 1 and "Bob" in h.chat.posted[0][1]
    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.text == "Nice release"
    assert stored.acknowledged_at is None
