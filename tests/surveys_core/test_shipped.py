"""'Did this solve it?': the shipped item's direct messages, the answers, the triage line."""

from __future__ import annotations

from adapters.sealing import FernetSeal, new_key
from bot.conversation import CommentForm
from bot.identity import Platform, Workspace
from bot.messages import ButtonStyle, Message
from bot.surveys import (
    ANONYMOUS_REQUESTER,
    Role,
    ShipAction,
    ShipAnswer,
    parse_action,
    ship_action,
)
from tests.fakes import ACME, ADA, BOB, CY
from tests.surveys_core.harness import surveys

ANSWERS = ["Solved it", "Partly", "No", "Add a comment"]


async def test_the_requester_and_each_voter_are_asked_whether_it_solved_their_problem() -> None:
    s = surveys()
    await s.thanked()
    await s.vote(1, BOB)
    await s.vote(1, CY)
    await s.ship()
    for person in (ADA, BOB, CY):
        sent = [
            text for user, text in s.chat.direct if "shipped" in text and user == person.user_id
        ]
        assert len(sent) == 1 and sent[0].endswith("Did this solve it? One click tells the team.")
        buttons = s.buttons_to(person)
        assert [b.label for b in buttons] == ANSWERS
        assert [b.style for b in buttons][:3] == [
            ButtonStyle.PRIMARY,
            ButtonStyle.PLAIN,
            ButtonStyle.DANGER,
        ]
        assert [parse_action(b.action) for b in buttons] == [
            ShipAction(1, ShipAnswer.SOLVED, ACME.id),
            ShipAction(1, ShipAnswer.PARTLY, ACME.id),
            ShipAction(1, ShipAnswer.NO, ACME.id),
            ShipAction(1, None, ACME.id),
        ]


async def test_news_of_other_moves_and_the_thread_reply_carry_no_question() -> None:
    s = surveys()
    await s.thanked()
    await s.vote(1, BOB)
    await s.say("status #1 planned")
    await s.say("status #1 declined")
    assert all(not message.buttons for _, message in s.chat.direct_messages)
    await s.say("status #1 under review")
    await s.ship()
    assert "Did this solve it?" not in s.chat.threads[-1][2]


async def test_the_requesters_answer_is_kept_and_acknowledged_privately() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    said = await s.pressed(ADA, "Solved it")
    assert said == (
        "Thanks! Your answer about #1 is kept: Solved it. Press another answer to change it."
    )
    kept = s.answers(1)[ADA.user_id]
    assert (kept.answer, kept.role, kept.user_id) == (ShipAnswer.SOLVED, Role.REQUESTER, "U-ADA")


async def test_a_later_press_replaces_the_answer() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "Solved it")
    said = await s.pressed(ADA, "Partly")
    assert "kept: Partly (it was Solved it)" in said
    assert list(s.answers(1)) == [ADA.user_id]
    assert s.answers(1)[ADA.user_id].answer is ShipAnswer.PARTLY


async def test_the_same_press_again_counts_once_and_changes_nothing() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "No")
    first = s.answers(1)[ADA.user_id]
    s.clock.advance(__import__("datetime").timedelta(minutes=5))
    said = await s.pressed(ADA, "No")
    assert said.startswith("Your answer about #1 is already No; nothing changed.")
    assert s.answers(1) == {ADA.user_id: first}
    assert len(s.triage_lines()) == 1


async def test_a_voters_answer_is_kept_as_a_voters() -> None:
    s = surveys()
    await s.thanked()
    await s.vote(1, BOB)
    await s.ship()
    await s.pressed(BOB, "Partly")
    assert s.answers(1)[BOB.user_id].role is Role.VOTER


async def test_someone_who_was_not_asked_is_told_so_and_nothing_is_kept() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    answer = await s.press(CY, s.button(ADA, "Solved it"))
    assert isinstance(answer, Message)
    assert answer.plain.startswith("This question about #1 is for the people who asked for it")
    assert s.answers(1) == {}


async def test_no_tells_the_person_the_team_will_hear_and_the_triage_channel_gets_a_line() -> None:
    s = surveys()
    await s.thanked("Faster CI runners for the monorepo builds")
    await s.vote(1, BOB)
    await s.ship()
    said = await s.pressed(BOB, "No")
    assert "The team will hear that it did not solve your problem" in said
    (line,) = s.triage_lines()
    assert line == (
        "Did not solve it: Good-to-have request #1 “Faster CI runners for the monorepo builds” "
        "shipped, and one of its voters answered No."
    )
    assert "Bob" not in line and "Ada" not in line


async def test_a_no_is_told_again_only_after_the_answer_was_something_else() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "No")
    await s.pressed(ADA, "Partly")
    await s.pressed(ADA, "No")
    assert len(s.triage_lines()) == 2


async def test_the_no_line_carries_the_comment_kept_before() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "Partly")
    await s.comment(ADA, s.button(ADA, "Add a comment"), "Still slow on Mondays")
    await s.pressed(ADA, "No")
    (line,) = s.triage_lines()
    assert line.endswith("its requester answered No. Their comment: “Still slow on Mondays”")


async def test_add_a_comment_opens_a_form_once_the_person_has_answered() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    token = s.button(ADA, "Add a comment")
    first = await s.press(ADA, token)
    assert isinstance(first, Message)
    assert first.plain == "Press Solved it, Partly or No about #1 first, then add your comment."
    await s.pressed(ADA, "Partly")
    form = await s.press(ADA, token)
    assert isinstance(form, CommentForm)
    assert form.action == token
    assert len(form.title) <= 24 and len(form.label) <= 45 and len(form.placeholder) <= 100


async def test_a_comment_is_kept_with_the_answer() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "Partly")
    said = await s.comment(ADA, s.button(ADA, "Add a comment"), "  Works, but  not on ARM ")
    assert said == "Thanks! Your comment about #1 is kept with your answer Partly."
    assert s.answers(1)[ADA.user_id].comment == "Works, but  not on ARM"
    assert s.triage_lines() == []


async def test_a_comment_while_the_answer_is_no_is_told_to_the_triage_channel() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "No")
    said = await s.comment(ADA, s.button(ADA, "Add a comment"), "Builds still queue for 20 min")
    assert said.endswith("and the team will read it.")
    assert s.triage_lines()[-1] == (
        "A comment on Good-to-have request #1 “Faster CI runners”, which its requester "
        "answered No about: “Builds still queue for 20 min”"
    )


async def test_a_comment_before_any_answer_is_given_back() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    said = await s.comment(ADA, s.button(ADA, "Add a comment"), "Nice, but")
    assert said.endswith("Nothing was kept; here is what you wrote: “Nice, but”")
    assert s.answers(1) == {}


async def test_a_comment_from_someone_not_asked_is_given_back() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    said = await s.comment(CY, s.button(ADA, "Add a comment"), "My two cents")
    assert said.endswith("Here is what you wrote: “My two cents”")


async def test_the_anonymous_requester_answers_through_the_sealed_handle_and_stays_anonymous() -> (
    None
):
    s = surveys(seal=FernetSeal(new_key()))
    await s.thanked("Audit log export", anonymous=True)
    await s.ship()
    assert [b.label for b in s.buttons_to(ADA)] == ANSWERS
    said = await s.pressed(ADA, "No")
    assert "kept: No" in said
    kept = s.answers(1)
    assert list(kept) == [ANONYMOUS_REQUESTER]
    assert kept[ANONYMOUS_REQUESTER].user_id is None
    assert kept[ANONYMOUS_REQUESTER].role is Role.REQUESTER
    (line,) = s.triage_lines()
    assert "Ada" not in line and "U-ADA" not in line


async def test_a_press_in_a_direct_message_that_names_no_workspace_finds_the_items() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    await s.pressed(ADA, "Solved it", workspace=Workspace(ACME.platform, ""))
    assert s.answers(1)[ADA.user_id].answer is ShipAnswer.SOLVED


async def test_a_press_from_another_workspace_keeps_nothing() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    said = await s.pressed(ADA, "Solved it", workspace=Workspace(Platform.SLACK, "T-OTHER"))
    assert said.startswith("This question belongs to another workspace")
    assert s.answers(1) == {}


async def test_an_item_not_shipped_takes_no_answer() -> None:
    s = surveys()
    await s.thanked()
    await s.say("status #1 planned")
    answer = await s.press(ADA, ship_action(ACME, 1, ShipAnswer.SOLVED))
    assert isinstance(answer, Message) and "is not shipped" in answer.plain
    assert s.answers(1) == {}


async def test_a_token_the_core_did_not_write_is_answered_not_raised() -> None:
    s = surveys()
    for token in (
        "fb:csat:1:maybe:T-ACME",
        "fb:",
        "fb:pulse:x:1",
        "other:thing",
        "fb:csat:9:no:T-ACME",
    ):
        answer = await s.press(ADA, token)
        assert isinstance(answer, Message) and answer.plain


async def test_a_database_failure_is_said_and_the_comment_given_back() -> None:
    s = surveys()
    await s.thanked()
    await s.ship()
    s.uow.unreachable = True
    said = await s.pressed(ADA, "Solved it")
    assert said.startswith("Sorry, I could not keep your answer just now")
    said = await s.comment(ADA, s.button(ADA, "Add a comment"), "Lovely")
    assert said.endswith("“Lovely”")


async def test_without_a_triage_channel_a_no_is_kept_all_the_same() -> None:
    s = surveys(triage=False)
    await s.thanked()
    await s.ship()
    posted = list(s.chat.posted)
    await s.pressed(ADA, "No")
    assert s.answers(1)[ADA.user_id].answer is ShipAnswer.NO
    assert s.chat.posted == posted and s.uow.state.owed == {}


async def test_the_no_line_waits_in_the_outbox_while_the_channel_will_not_take_it() -> None:
    from bot.ports import TryLater

    s = surveys()
    await s.thanked()
    await s.ship()
    s.chat.failing = TryLater("rate limited", retry_after=1.0)
    await s.pressed(ADA, "No")
    assert s.triage_lines() == []
    (owed,) = s.uow.state.owed.values()
    assert owed.channel_id == "C-TRIAGE" and owed.message is not None
    assert owed.message.plain.startswith("Did not solve it: ")
