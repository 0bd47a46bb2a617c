"""Surveys on Slack, end to end: a shipped item's DMs carry "Did this solve it?" and its buttons
(the fake Slack records the Block Kit), a signed ``block_actions`` press keeps the answer once
and answers privately through the press's response URL, "Add a comment" opens a modal whose
submission is kept, a *No* reaches the triage channel, and a pulse survey posted by its
reminder is answered by several people, a Slack Connect partner among them.

Payloads: Slack's block_actions and view_submission payload references, bolt-python's
tests/scenario_tests_async/test_block_actions.py, and the org-wide shapes of Slack's
"organization-ready apps" (``team`` null, ``is_enterprise_install`` true)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.platforms import slack_outlets
from adapters.sealing import FernetSeal, new_key
from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.chat import SlackChat, SlackDeliveries
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.core import Core
from bot.identity import Platform
from bot.reminders import ReminderKind
from bot.roadmap import FireOutcome
from bot.slas import TriageChannels
from bot.surveys import Scale
from storage import tables
from tests.core import core_on
from tests.fakes import FixedClock
from tests.scan import every_row
from tests.slack.conftest import ACME, SECRET, TRIAGE
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.signed import SlackSender

NOW = datetime(2025, 3, 26, 12, 0, tzinfo=UTC)
ALICE, BOB, CAROL, GINA = "U1", "U2", "U3", "U9"  # Gina is from a partner company
# Direct message conversations' ids start with D.
DM = {ALICE: "D01", BOB: "D02", CAROL: "D03", "U0ANONYMOUS42": "D04"}


@dataclass
class SurveyBot:
    """A bot on the fake Slack; commands come with the response URL ``commands``, presses
    with ``pressed``."""

    fake: FakeSlack
    slack: SlackSender
    core: Core
    adapter: SlackAdapter
    clock: FixedClock
    engine: AsyncEngine

    async def deliver(self) -> None:
        """Let the bot finish what it started, then deliver what it owes, as the outbox does."""
        await self.adapter.settled()
        self.clock.advance(timedelta(seconds=30))
        await self.core.delivery.run_due()
        await self.adapter.settled()

    async def request(self, text: str, user_id: str = ALICE) -> str:
        """``/request <text>``; the ts of its thank-you in C1."""
        await self.slack.command("/request", text, user_id=user_id, user_name=user_id)
        await self.adapter.settled()
        return str(self.fake.messages("C1")[-1]["ts"])

    async def ship(self, number: int = 1) -> None:
        """An admin plans the item, then ships it; its people's DMs are sent."""
        for status in ("planned", "shipped"):
            await self.slack.command("/roadmap", f"status {number} {status}", user_id=CAROL)
            await self.deliver()

    def question_to(self, user_id: str) -> dict[str, str]:
        """The buttons of the shipped item's DM to ``user_id``: label -> token."""
        (asked,) = [c for c in self.dms(user_id) if c.args.get("blocks")]
        return buttons(asked.json_arg("blocks"))

    def dms(self, user_id: str) -> list[Call]:
        return [
            c
            for c in self.fake.calls_to("chat.postMessage")
            if c.answered_ok and c.args.get("channel") == user_id
        ]

    async def press(self, token: str, user_id: str = ALICE, **payload: Any) -> str:
        """``user_id`` presses the button; the private answer it got, once it came."""
        count = len(self.fake.responses) + 1
        payload.setdefault("channel_id", DM.get(user_id, "C1"))
        pressed = await self.slack.block_actions(
            token, user_id=user_id, user_name=user_id, response_url=self.pressed_url, **payload
        )
        assert pressed.status_code == 200 and not pressed.content
        await self.fake.wait_for_responses(count)
        await self.adapter.settled()
        body = self.answers_to_presses()[-1]
        assert (body["response_type"], body["replace_original"]) == ("ephemeral", False)
        return str(body["text"])

    @property
    def pressed_url(self) -> str:
        return self.fake.response_url("pressed")

    async def send_twice(self, payload: dict[str, Any]) -> None:
        """The same press delivered twice; once both are answered."""
        before = len(self.fake.responses)
        for _ in range(2):
            assert (await self.slack.interaction(payload)).status_code == 200
        await self.fake.wait_for_responses(before + 2)
        await self.adapter.settled()

    def answers_to_presses(self) -> list[dict[str, Any]]:
        """What came through the presses' response URL, oldest first."""
        return [body for name, body in self.fake.responses if name == "pressed"]

    async def shipped_answers(self) -> list[tuple[str, str | None, str, str, str | None]]:
        answers = tables.survey_answers
        query = select(
            answers.c.respondent,
            answers.c.user_id,
            answers.c.role,
            answers.c.answer,
            answers.c.comment,
        ).order_by(answers.c.id)
        async with self.engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(query)]

    async def poll_answers(self) -> list[tuple[str, str, int]]:
        answers = tables.survey_poll_answers
        query = select(answers.c.user_id, answers.c.stakeholder, answers.c.value).order_by(
            answers.c.user_id
        )
        async with self.engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(query)]

    def triage_lines(self) -> list[str]:
        return [
            str(c.args["text"])
            for c in self.fake.calls_to("chat.postMessage")
            if c.answered_ok and c.args.get("channel") == TRIAGE
        ]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        element["text"]["text"]: element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def serve(
    fake: FakeSlack, engine: AsyncEngine, settings: SlackSettings, ack_budget_s: float = 1.5
) -> AsyncIterator[SurveyBot]:
    fake.add_user(CAROL, "carol", "T1", display_name="Carol")  # listed in SLACK_ADMIN_USERS
    clock = FixedClock(NOW)
    core = core_on(engine, clock, seal=FernetSeal(new_key()))
    conversation = core.conversation(slack_surface(settings))
    async with SlackAdapter(
        conversation,
        settings,
        enrichment=core.enrichment,
        admin_users=frozenset({CAROL}),
        ack_budget_s=ack_budget_s,
    ) as adapter:
        # As ``feedbackbot run`` serves them: owed messages through the bot token's client,
        # and the triage channel.
        core.delivery.serve(Platform.SLACK, SlackDeliveries(adapter.client))
        channels = TriageChannels()
        channels.serve(Platform.SLACK, SlackChat(adapter.client), TRIAGE)
        core.surveys.channels = channels
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        # Commands are answered at one response URL, presses at another ("pressed").
        sender = SlackSender(base_url, SECRET, response_url=fake.response_url("commands"))
        try:
            yield SurveyBot(fake, sender, core, adapter, clock, engine)
        finally:
            await runner.cleanup()


@pytest.fixture
async def bot(
    fake: FakeSlack, engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SurveyBot]:
    async for running in serve(fake, engine, slack_settings):
        yield running


@pytest.fixture
async def shipped(bot: SurveyBot) -> SurveyBot:
    """#1, requested by Alice and voted for by Bob, moved to shipped."""
    thanks = await bot.request("must-have: SSO for the admin console")
    await bot.slack.reaction(True, user=BOB, ts=thanks)
    await bot.adapter.settled()
    await bot.ship()
    return bot


# -- after shipping -----------------------------------------------------------------------------


async def test_a_shipped_item_asks_its_requester_and_its_voter_with_buttons(
    shipped: SurveyBot,
) -> None:
    for person in (ALICE, BOB):
        asked = [c for c in shipped.dms(person) if c.args.get("blocks")]
        assert len(asked) == 1  # one message each, as before
        assert "Did this solve it?" in asked[0].args["text"]  # the notification's fallback
        assert list(shipped.question_to(person)) == ["Solved it", "Partly", "No", "Add a comment"]


async def test_a_question_slack_could_not_take_is_sent_later_with_its_buttons(
    bot: SurveyBot,
) -> None:
    thanks = await bot.request("must-have: SSO for the admin console")
    await bot.slack.reaction(True, user=BOB, ts=thanks)
    await bot.slack.command("/roadmap", "status 1 planned", user_id=CAROL)
    await bot.deliver()
    with bot.fake.server_error("chat.postMessage"):
        await bot.slack.command("/roadmap", "status 1 shipped", user_id=CAROL)
        await bot.adapter.settled()
    assert not [c for c in bot.dms(ALICE) + bot.dms(BOB) if c.args.get("blocks")]

    await bot.deliver()  # the outbox's next round, Slack answering again

    for person in (ALICE, BOB):
        assert list(bot.question_to(person)) == ["Solved it", "Partly", "No", "Add a comment"]
    said = await bot.press(bot.question_to(BOB)["Partly"], user_id=BOB)
    assert "Partly" in said


async def test_a_press_is_kept_and_answered_to_the_presser_alone(shipped: SurveyBot) -> None:
    said = await shipped.press(shipped.question_to(ALICE)["Solved it"])

    assert "#1" in said and "Solved it" in said
    assert await shipped.shipped_answers() == [(ALICE, ALICE, "requester", "solved", None)]


async def test_a_voters_press_is_kept_as_a_voters(shipped: SurveyBot) -> None:
    await shipped.press(shipped.question_to(BOB)["Partly"], user_id=BOB)

    assert await shipped.shipped_answers() == [(BOB, BOB, "voter", "partly", None)]


async def test_a_later_press_replaces_the_earlier_answer(shipped: SurveyBot) -> None:
    question = shipped.question_to(ALICE)
    await shipped.press(question["Partly"])

    said = await shipped.press(question["Solved it"])

    assert "Solved it" in said and "Partly" in said  # what it was, and what is kept now
    assert await shipped.shipped_answers() == [(ALICE, ALICE, "requester", "solved", None)]


async def test_the_same_press_delivered_twice_counts_once(shipped: SurveyBot) -> None:
    payload = shipped.slack.block_actions_payload(
        shipped.question_to(ALICE)["Solved it"], channel_id=DM[ALICE]
    )
    await shipped.send_twice(payload)
    await shipped.deliver()

    assert await shipped.shipped_answers() == [(ALICE, ALICE, "requester", "solved", None)]
    assert shipped.triage_lines() == []


async def test_a_no_tells_the_presser_the_team_will_hear_and_the_triage_channel_hears(
    shipped: SurveyBot,
) -> None:
    said = await shipped.press(shipped.question_to(BOB)["No"], user_id=BOB)
    await shipped.deliver()

    assert "team will hear" in said
    (line,) = shipped.triage_lines()
    assert "#1" in line and "SSO for the admin console" in line
    assert BOB not in line and "Bob" not in line  # the line names nobody


async def test_someone_who_was_not_asked_is_told_so_and_nothing_is_kept(
    shipped: SurveyBot,
) -> None:
    said = await shipped.press(shipped.question_to(ALICE)["No"], user_id=GINA, channel_id="D09")

    assert "#1" in said and "not kept" in said
    assert await shipped.shipped_answers() == []


async def test_an_anonymous_requester_answers_with_no_user_id_kept(bot: SurveyBot) -> None:
    author = "U0ANONYMOUS42"
    bot.fake.add_user(author, "quiet-author", "T1")
    await bot.request("anonymous must-have: fewer pages at night", user_id=author)
    await bot.ship()

    await bot.press(bot.question_to(author)["Partly"], user_id=author)

    assert await bot.shipped_answers() == [("requester", None, "requester", "partly", None)]
    assert author not in await every_row(bot.engine)


# -- the comment modal ----------------------------------------------------------------------------


async def test_add_a_comment_opens_a_modal_for_the_token(shipped: SurveyBot) -> None:
    question = shipped.question_to(ALICE)
    await shipped.press(question["Partly"])
    token = question["Add a comment"]
    pressed = await shipped.slack.block_actions(
        token, channel_id=DM[ALICE], trigger_id="13345224609.1.comment"
    )

    (opened,) = await shipped.fake.wait_for("views.open")
    view = opened.json_arg("view")
    assert pressed.status_code == 200
    assert opened.args["trigger_id"] == "13345224609.1.comment"
    assert (view["type"], view["private_metadata"]) == ("modal", token)
    (field,) = view["blocks"]
    assert field["element"]["type"] == "plain_text_input" and field["element"]["multiline"]
    assert len(view["title"]["text"]) <= 24


async def comment(bot: SurveyBot, token: str, text: str, user_id: str = ALICE) -> str:
    """``user_id`` opens the comment form from ``token`` and sends ``text``; the DM it got."""
    await bot.slack.block_actions(token, user_id=user_id, channel_id=DM[user_id])
    opened = (await bot.fake.wait_for("views.open"))[-1]
    view = opened.json_arg("view")
    (field,) = view["blocks"]
    before = len(bot.dms(user_id))
    submitted = await bot.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={
            field["block_id"]: {
                field["element"]["action_id"]: {"type": "plain_text_input", "value": text}
            }
        },
        user_id=user_id,
        user_name=user_id,
    )
    assert submitted.status_code == 200 and not submitted.content  # the form closes
    await bot.adapter.settled()
    return str(bot.dms(user_id)[before].args["text"])


async def test_a_comment_sent_from_the_modal_is_kept_with_the_answer(shipped: SurveyBot) -> None:
    question = shipped.question_to(ALICE)
    await shipped.press(question["Partly"])

    said = await comment(shipped, question["Add a comment"], "SSO works, but not for the CLI")

    assert "comment" in said and "#1" in said
    assert await shipped.shipped_answers() == [
        (ALICE, ALICE, "requester", "partly", "SSO works, but not for the CLI")
    ]


async def test_a_comment_with_a_no_reaches_the_triage_channel(shipped: SurveyBot) -> None:
    question = shipped.question_to(BOB)
    await shipped.press(question["No"], user_id=BOB)
    await shipped.deliver()

    await comment(shipped, question["Add a comment"], "<!channel> it still times out", BOB)
    await shipped.deliver()

    _no, commented = shipped.triage_lines()
    assert "&lt;!channel&gt; it still times out" in commented and "<!channel>" not in commented


async def test_a_comment_asked_for_before_any_answer_opens_no_form(shipped: SurveyBot) -> None:
    said = await shipped.press(shipped.question_to(ALICE)["Add a comment"])

    assert "first" in said and "#1" in said  # answer first, then comment
    assert shipped.fake.calls_to("views.open") == []


# -- pulse surveys ------------------------------------------------------------------------------


def chats(bot: SurveyBot) -> PlatformDirectory:
    directory = PlatformDirectory()
    directory.register(Platform.SLACK, slack_outlets(bot.adapter.client))
    return directory


async def posted_survey(bot: SurveyBot, scale: Scale = Scale.FIVE) -> dict[str, str]:
    """A survey reminder in C1, fired at its hour; its buttons, label -> token."""
    reminder = await bot.core.roadmap.add_reminder(
        ACME,
        "C1",
        "cron 0 * * * *",
        kind=ReminderKind.SURVEY,
        text="How well does the platform team support you?",
        scale=scale,
    )
    assert reminder.id is not None
    bot.clock.set(NOW + timedelta(hours=1))
    assert await bot.core.roadmap.fire(reminder.id, chats(bot)) is FireOutcome.POSTED
    (posted,) = [m for m in bot.fake.messages("C1") if m.get("blocks")]
    return buttons(posted["blocks"])


async def test_a_survey_is_posted_with_a_button_per_answer(bot: SurveyBot) -> None:
    assert list(await posted_survey(bot)) == ["1", "2", "3", "4", "5"]
    assert list(await posted_survey_yes_no(bot)) == ["Yes", "No"]


async def posted_survey_yes_no(bot: SurveyBot) -> dict[str, str]:
    reminder = await bot.core.roadmap.add_reminder(
        ACME,
        "C2",
        "cron 0 * * * *",
        kind=ReminderKind.SURVEY,
        text="Good week?",
        scale=Scale.YES_NO,
    )
    assert reminder.id is not None
    bot.clock.set(NOW + timedelta(hours=2))
    await bot.core.roadmap.fire(reminder.id, chats(bot))
    (posted,) = [m for m in bot.fake.messages("C2") if m.get("blocks")]
    return buttons(posted["blocks"])


async def test_a_survey_occurrence_is_posted_once_however_often_it_fires(bot: SurveyBot) -> None:
    await posted_survey(bot)
    (reminder,) = await bot.core.roadmap.reminders(ACME)
    assert reminder.id is not None

    assert await bot.core.roadmap.fire(reminder.id, chats(bot)) is not FireOutcome.POSTED
    assert len([m for m in bot.fake.messages("C1") if m.get("blocks")]) == 1


async def test_several_people_answer_a_survey_each_counted_once_by_kind(bot: SurveyBot) -> None:
    survey = await posted_survey(bot)
    await bot.press(survey["4"], channel_id="C1")
    await bot.press(survey["2"], user_id=BOB, channel_id="C1")
    await bot.press(survey["5"], user_id=BOB, channel_id="C1")  # Bob changes his mind
    # A partner in a Slack Connect channel: the message is the installing team's, the person
    # is of their own.
    said = await bot.press(survey["1"], user_id=GINA, user_team_id="T-PARTNER", channel_id="C1")

    assert "1" in said and "counted" in said
    assert await bot.poll_answers() == [
        (ALICE, "internal", 4),
        (BOB, "internal", 5),
        (GINA, "external", 1),
    ]


async def test_a_survey_press_delivered_twice_counts_once(bot: SurveyBot) -> None:
    survey = await posted_survey(bot)
    payload = bot.slack.block_actions_payload(survey["3"], channel_id="C1")

    await bot.send_twice(payload)

    assert await bot.poll_answers() == [(ALICE, "internal", 3)]


# -- Enterprise Grid ----------------------------------------------------------------------------


async def test_a_press_in_an_org_wide_install_is_filed_in_the_items_workspace(
    shipped: SurveyBot,
) -> None:
    # An org-wide install's payload names no team, and the person's team is the enterprise.
    await shipped.press(
        shipped.question_to(ALICE)["Solved it"],
        org_wide=True,
        enterprise_id="E-ACME",
        user_team_id="E-ACME",
    )

    assert await shipped.shipped_answers() == [(ALICE, ALICE, "requester", "solved", None)]


async def test_a_survey_press_in_an_org_wide_install_counts_in_the_surveys_workspace(
    bot: SurveyBot,
) -> None:
    survey = await posted_survey(bot)

    said = await bot.press(
        survey["4"], channel_id="C1", org_wide=True, enterprise_id="E-ACME", user_team_id="E-ACME"
    )

    assert "counted" in said
    assert await bot.poll_answers() == [(ALICE, "internal", 4)]


# -- what Slack must never see go wrong -----------------------------------------------------------


async def test_a_slow_database_is_not_waited_out_past_the_acknowledgement(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> None:
    async for bot in serve(fake, sqlite_engine, slack_settings, ack_budget_s=0.2):
        await bot.request("must-have: SSO for the admin console")
        await bot.ship()
        token = bot.question_to(ALICE)["Solved it"]
        # SQLite's one connection, held: every unit of work queues behind it.
        async with sqlite_engine.connect():
            before = len(bot.fake.responses)
            pressed = await bot.slack.block_actions(
                token, channel_id=DM[ALICE], response_url=bot.pressed_url
            )
            assert pressed.status_code == 200
            assert bot.answers_to_presses() == []  # acknowledged; the answer is not kept yet
        await bot.fake.wait_for_responses(before + 1)
        await bot.adapter.settled()
        (answer,) = bot.answers_to_presses()
        assert "Solved it" in answer["text"]
        assert await bot.shipped_answers() == [(ALICE, ALICE, "requester", "solved", None)]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"action_id": "someone_elses_button"}, id="not the core's button"),
        pytest.param({"action_id": "fb:csat:1:maybe:T1"}, id="an answer the core never offers"),
        pytest.param({"action_id": "fb:pulse:999:3"}, id="a survey that does not exist"),
        pytest.param({"action_id": "fb:" + "9" * 300}, id="a token too long for Slack"),
        pytest.param({"user": {}}, id="nobody pressed"),
        pytest.param({"team": None}, id="no team"),
        pytest.param({"response_url": "not a url"}, id="a response URL that is none"),
    ],
)
async def test_a_press_the_bot_cannot_read_is_acknowledged_without_a_traceback(
    bot: SurveyBot, caplog: pytest.LogCaptureFixture, change: dict[str, Any]
) -> None:
    payload = bot.slack.block_actions_payload("fb:csat:1:solved:T1", channel_id="C1")
    for key, value in change.items():
        if key == "action_id":
            payload["actions"][0]["action_id"] = value
        else:
            payload[key] = value

    answered = await bot.slack.interaction(payload)
    await bot.adapter.settled()

    assert answered.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert await bot.shipped_answers() == [] and await bot.poll_answers() == []


@pytest.mark.parametrize(
    "action_id", [None, 42, ["fb:pulse:1:3"]], ids=["null", "a number", "a list"]
)
async def test_a_press_whose_action_id_is_no_string_is_refused_in_one_line(
    bot: SurveyBot, caplog: pytest.LogCaptureFixture, action_id: object
) -> None:
    # Bolt would match it as a string, unchecked, and fail with a traceback.
    payload = bot.slack.block_actions_payload("fb:csat:1:solved:T1", channel_id="C1")
    payload["actions"][0]["action_id"] = action_id

    answered = await bot.slack.interaction(payload)

    assert answered.status_code == 400
    (refused,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "action_id" in refused.getMessage() and refused.exc_info is None


async def test_a_comment_form_slack_would_not_open_is_said_privately(shipped: SurveyBot) -> None:
    question = shipped.question_to(ALICE)
    await shipped.press(question["Partly"])
    shipped.fake.fail("views.open", "expired_trigger_id")

    said = await shipped.press(question["Add a comment"])

    assert "could not open the comment form (expired_trigger_id)" in said
    assert "Add a comment" in said  # how to try again


async def test_a_comment_form_that_is_not_the_bots_stays_open_saying_nothing_was_kept(
    bot: SurveyBot,
) -> None:
    submitted = await bot.slack.view_submission(
        callback_id="feedbackbot_comment",
        private_metadata="not a token",
        values={"comment": {"value": {"type": "plain_text_input", "value": "kept?"}}},
    )

    answer = submitted.json()
    assert answer["response_action"] == "errors" and "nothing" in answer["errors"]["comment"]
    assert await bot.shipped_answers() == []
