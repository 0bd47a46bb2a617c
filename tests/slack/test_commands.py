"""/feedback and /request as Slack delivers them: signed HTTP requests to the real Bolt app."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.settings import SlackSettings
from bot.items import ItemKind, Priority, Stakeholder
from storage.engine import create_engine
from tests.slack.conftest import ACME, GLOBEX, SlackBot, start_bot
from tests.slack.fake_slack import FakeSlack


async def open_form(bot: SlackBot, command: str = "/feedback", **sent: str) -> dict[str, Any]:
    """Type the bare command; the form Slack was asked to open."""
    await bot.slack.command(command, "", **sent)
    (opened,) = await bot.fake.wait_for("views.open")
    view: dict[str, Any] = opened.json_arg("view")
    return view


async def send_form(bot: SlackBot, view: dict[str, Any], text: str, **sent: str) -> httpx.Response:
    """Submit the form with ``text`` typed and nothing else chosen."""
    return await bot.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={"text": {"value": {"type": "plain_text_input", "value": text}}},
        **sent,
    )


async def test_feedback_is_thanked_in_the_channel_after_it_is_stored(bot: SlackBot) -> None:
    answer = await bot.slack.command("/feedback", "The new runners are fast")
    await bot.settled()
    posted = bot.fake.calls_to("chat.postMessage")
    items = await bot.items()
    assert answer.status_code == 200
    assert posted[0].args["channel"] == "C1"
    text = posted[0].args["text"]
    assert "<@U1>" in text and "#1" in text and "The new runners are fast" in text
    assert [(i.number, i.kind, i.text, i.author and i.author.display_name) for i in items] == [
        (1, ItemKind.FEEDBACK, "The new runners are fast", "Alice")
    ]
    assert items[0].acknowledged_at is not None


async def test_the_author_sees_a_private_confirmation_with_the_number(bot: SlackBot) -> None:
    answer = await bot.slack.command("/feedback", "Nice docs")
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "Recorded as #1" in body["text"]


async def test_the_confirmation_follows_through_the_response_url_when_storing_is_slow(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings, sqlite_path: Path
) -> None:
    async for bot in start_bot(fake, sqlite_engine, slack_settings, ack_budget_s=0.01):
        # Another writer holds SQLite's write lock, so the item cannot be stored in time.
        blocker = sqlite3.connect(sqlite_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            answer = await bot.slack.command("/feedback", "slow but kept")
        finally:
            blocker.rollback()
            blocker.close()
        (_, body), *_ = await bot.fake.wait_for_responses()
        assert answer.status_code == 200 and answer.text == ""
        assert "Recorded as #1" in body["text"] and body["response_type"] == "ephemeral"


async def test_a_request_states_its_priority_in_the_text(bot: SlackBot) -> None:
    await bot.slack.command("/request", "must-have: SSO for Grafana")
    await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert (item.kind, item.priority, item.text) == (
        ItemKind.REQUEST,
        Priority.MUST_HAVE,
        "SSO for Grafana",
    )


async def test_a_request_without_priority_is_good_to_have(bot: SlackBot) -> None:
    await bot.slack.command("/request", "dark mode")
    await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert item.priority is Priority.GOOD_TO_HAVE


async def test_a_bare_command_opens_a_modal_and_its_submission_records_the_item(
    bot: SlackBot,
) -> None:
    await bot.slack.command("/request", "")
    (opened,) = await bot.fake.wait_for("views.open")
    view = opened.json_arg("view")
    assert opened.args["trigger_id"]
    assert {block["block_id"] for block in view["blocks"]} == {"text", "priority", "anonymous"}
    answer = await bot.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={
            "text": {"value": {"type": "plain_text_input", "value": "Audit logs\nfor SOC2 🔐"}},
            "priority": {
                "value": {"type": "radio_buttons", "selected_option": {"value": "must-have"}}
            },
            "anonymous": {"value": {"type": "checkboxes", "selected_options": []}},
        },
    )
    posted = await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert answer.status_code == 200
    assert posted[0].args["channel"] == "C1"
    assert (item.text, item.priority, item.author is not None) == (
        "Audit logs\nfor SOC2 🔐",
        Priority.MUST_HAVE,
        True,
    )


async def test_an_anonymous_modal_submission_names_nobody(bot: SlackBot) -> None:
    view = await open_form(bot)
    await bot.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={
            "text": {"value": {"type": "plain_text_input", "value": "standups run long"}},
            "anonymous": {
                "value": {"type": "checkboxes", "selected_options": [{"value": "anonymous"}]}
            },
        },
    )
    posted = await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert item.author is None
    assert "U1" not in posted[0].args["text"] and "Alice" not in posted[0].args["text"]


async def test_a_blank_form_stays_open_with_the_text_field_marked(bot: SlackBot) -> None:
    answer = await send_form(bot, await open_form(bot), "  \n  ")
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"text": "Tell me a little more."},
    }
    assert await bot.items() == []


async def test_a_forms_text_is_stored_as_typed_entities_included(bot: SlackBot) -> None:
    await send_form(bot, await open_form(bot), "write &amp; as &")
    await bot.fake.wait_for("chat.postMessage")
    assert [i.text for i in await bot.items()] == ["write &amp; as &"]


async def test_a_form_sent_after_its_response_url_expired_still_confirms_privately(
    bot: SlackBot,
) -> None:
    view = await open_form(bot, channel_id="C-PRIVATE")
    bot.fake.expire_response_url()
    bot.fake.fail("chat.postMessage", "not_in_channel")
    await send_form(bot, view, "a slow form")
    (thanks,) = await bot.fake.wait_for("chat.postEphemeral")
    assert thanks.args["user"] == "U1" and "#1" in thanks.args["text"]
    assert [i.text for i in await bot.items()] == ["a slow form"]


async def test_a_bad_signature_is_rejected_and_nothing_is_stored(bot: SlackBot) -> None:
    body = b"command=%2Ffeedback&text=forged&team_id=T1&user_id=U1&channel_id=C1"
    answer = await bot.slack.raw(
        body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert answer.status_code == 401
    assert await bot.items() == []
    assert bot.fake.calls_to("chat.postMessage") == []


async def test_a_request_older_than_five_minutes_is_rejected(bot: SlackBot) -> None:
    body = b"command=%2Ffeedback&text=replayed&team_id=T1&user_id=U1&channel_id=C1"
    stale = int(time.time()) - 6 * 60
    answer = await bot.slack.raw(
        body,
        "application/x-www-form-urlencoded",
        timestamp=stale,
        signature=bot.slack.sign(body, stale),
    )
    assert answer.status_code == 401
    assert await bot.items() == []


async def test_where_the_bot_is_not_in_the_channel_the_person_is_thanked_privately(
    bot: SlackBot,
) -> None:
    bot.fake.fail("chat.postMessage", "not_in_channel")
    await bot.slack.command("/feedback", "private channel idea", channel_id="G-PRIVATE")
    (_, body), *_ = await bot.fake.wait_for_responses()
    (item,) = await bot.items()
    assert "#1" in body["text"] and body["response_type"] == "ephemeral"
    assert item.text == "private channel idea"
    assert item.thanks is None


async def test_a_rate_limited_thank_you_is_posted_once_slack_says_to_come_back(
    bot: SlackBot,
) -> None:
    bot.fake.rate_limit("chat.postMessage", retry_after=5)
    await bot.slack.command("/feedback", "patience")
    await bot.catch_up(timedelta(seconds=4))
    assert bot.fake.posted_texts("C1") == []
    await bot.catch_up(timedelta(seconds=1))
    calls = bot.fake.calls_to("chat.postMessage")
    assert [call.answered_ok for call in calls] == [False, True]
    assert len(bot.fake.posted_texts("C1")) == 1
    assert await bot.owed() == 0


async def test_typed_mentions_and_broadcasts_are_escaped(bot: SlackBot) -> None:
    typed = "<!channel> please ask <@U123> & <!here> about <https://evil|this>"
    await bot.slack.command("/feedback", typed)
    (posted,) = await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    text = posted.args["text"]
    assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text and "&amp;" in text
    assert "link_names" not in posted.args
    assert item.text == typed


async def test_slack_escaped_input_is_stored_as_the_person_typed_it(bot: SlackBot) -> None:
    await bot.slack.command("/feedback", "R&amp;D wants a &lt;faster&gt; CI")
    await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert item.text == "R&D wants a <faster> CI"


async def test_text_over_the_limit_is_refused_privately_with_its_beginning(
    bot: SlackBot,
) -> None:
    long_text = "y" * 4001
    body = (await bot.slack.command("/feedback", long_text)).json()
    await bot.settled()
    assert "nothing was stored" in body["text"] and "It began: “yyy" in body["text"]
    assert await bot.items() == []
    assert bot.fake.calls_to("chat.postMessage") == []


async def test_two_workspaces_never_mix(bot: SlackBot) -> None:
    bot.fake.add_user("U5", "erin", "T2")
    await bot.slack.command("/feedback", "from acme")
    await bot.slack.command("/feedback", "from globex", team_id="T2", user_id="U5")
    await bot.fake.wait_for("chat.postMessage", count=2)
    acme, globex = await bot.items(ACME), await bot.items(GLOBEX)
    assert [(i.number, i.text) for i in acme] == [(1, "from acme")]
    assert [(i.number, i.text) for i in globex] == [(1, "from globex")]


async def test_a_slack_connect_guest_is_an_external_stakeholder(bot: SlackBot) -> None:
    await bot.slack.command("/request", "partner API", user_id="U9", user_name="gina")
    await bot.settled()  # users.info is asked after the item is stored
    (item,) = await bot.items()
    assert item.stakeholder is Stakeholder.EXTERNAL


async def test_a_partners_form_in_a_shared_channel_is_filed_in_the_installing_workspace(
    bot: SlackBot,
) -> None:
    view = await open_form(bot, user_id="U9", user_name="gina")
    await send_form(
        bot,
        view,
        "shared runbooks",
        team_id="T-PARTNER",
        installed_team_id="T1",
        user_id="U9",
        user_name="gina",
    )
    await bot.fake.wait_for("chat.postMessage")
    await bot.settled()
    (item,) = await bot.items(ACME)
    assert (item.number, item.stakeholder) == (1, Stakeholder.EXTERNAL)


async def test_a_channel_configured_as_external_makes_its_people_external(
    bot_with_external_channel: SlackBot,
) -> None:
    bot = bot_with_external_channel
    await bot.slack.command("/feedback", "from the shared channel", channel_id="C-SHARED")
    await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert item.stakeholder is Stakeholder.EXTERNAL


@pytest.fixture
async def bot_without_database(
    fake: FakeSlack, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    engine: AsyncEngine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere")
    try:
        async for running in start_bot(fake, engine, slack_settings):
            yield running
    finally:
        await engine.dispose()


async def test_when_the_item_cannot_be_stored_the_person_gets_the_text_back(
    bot_without_database: SlackBot,
) -> None:
    bot = bot_without_database
    body = (await bot.slack.command("/feedback", "please do not lose this")).json()
    await bot.settled()
    assert "nothing was recorded" in body["text"] and "please do not lose this" in body["text"]
    assert bot.fake.calls_to("chat.postMessage") == []


async def test_health_answers_ok(bot: SlackBot) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{bot.base_url}/healthz")
    assert answer.status_code == 200 and json.loads(answer.text) == {"status": "ok"}


async def test_a_thank_you_slack_fails_is_posted_once_slack_recovers(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail("chat.postMessage", "fatal_error")
    answer = await bot.slack.command("/feedback", "kept despite Slack")
    assert "#1" in answer.json()["text"]
    await bot.catch_up(timedelta(seconds=1))
    (thanks,) = bot.fake.posted_texts("C1")
    (item,) = await bot.items()
    assert "#1" in thanks and "kept despite Slack" in thanks
    assert item.thanks is not None
    assert "fatal_error" in caplog.text


async def test_when_the_form_cannot_open_the_person_gets_the_one_line_syntax(
    bot: SlackBot,
) -> None:
    bot.fake.fail("views.open", "expired_trigger_id")
    await bot.slack.command("/request", "")
    (_, body), *_ = await bot.fake.wait_for_responses()
    assert "expired_trigger_id" in body["text"] and "/request must-have:" in body["text"]
