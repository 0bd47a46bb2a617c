"""Enterprise Grid and Slack Connect as Slack delivers them: an org-wide install (its events'
``authorizations`` name no team), colleagues from the installing enterprise's other
workspaces, and a partner company that is on Enterprise Grid too.

Shapes: Slack's "organization-wide apps" reference (events with ``authorizations`` whose
``team_id`` is null and ``is_enterprise_install`` true; ``auth.test`` of an org token), the
users.info reference (``enterprise_user``), the slash command reference (``enterprise_id``,
``enterprise_name``), bolt-python's tests/scenario_tests_async/test_events_org_apps.py and
test_events_shared_channels.py (an envelope ``team_id`` of the partner's, ``authorizations``
of the installer's), and slack_bolt/request/internals.py (a form's ``team`` null org-wide)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.settings import SlackSettings
from bot.identity import Platform, Workspace
from bot.items import Stakeholder, Status
from storage import tables
from tests.slack.conftest import SlackBot, start_bot
from tests.slack.fake_slack import FakeSlack

ACME_GRID = "E-ACME"
SALES = Workspace(Platform.SLACK, "T-SALES")
# People, by where they belong (users.info says so).
AVA = "W-AVA"  # Sales, Acme
BEN = "W-BEN"  # Engineering, another workspace of Acme's grid
IDA = "W-IDA"  # an admin of Sales
PIA = "W-PIA"  # an admin of Partner Co, whose company is on its own grid
ORA = "W-ORA"  # an admin in Engineering, another workspace of Acme's grid


@pytest.fixture
def grid(fake: FakeSlack) -> FakeSlack:
    fake.add_user(AVA, "ava", "T-SALES", display_name="Ava", enterprise_id=ACME_GRID)
    fake.add_user(BEN, "ben", "T-ENG", display_name="Ben", enterprise_id=ACME_GRID)
    fake.add_user(IDA, "ida", "T-SALES", display_name="Ida", enterprise_id=ACME_GRID, is_admin=True)
    fake.add_user(ORA, "ora", "T-ENG", display_name="Ora", enterprise_id=ACME_GRID, is_admin=True)
    fake.add_user(
        PIA, "pia", "T-PARTNER", display_name="Pia", enterprise_id="E-PARTNER", is_admin=True
    )
    return fake


@pytest.fixture
async def org_wide(
    grid: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    """The app installed across Acme's grid: its token's auth.test names the enterprise only."""
    grid.add_token("xoxb-grid", None, ACME_GRID)
    settings = replace(slack_settings, bot_token="xoxb-grid")
    async for running in start_bot(grid, sqlite_engine, settings):
        await running.adapter.identity.known()
        yield running


@pytest.fixture
async def in_sales(
    grid: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    """The app installed in Acme's Sales workspace alone, its identity given in the settings."""
    settings = replace(
        slack_settings,
        bot_user_id="UBOT",
        bot_id="BBOT",
        team_id="T-SALES",
        enterprise_id=ACME_GRID,
    )
    async for running in start_bot(grid, sqlite_engine, settings):
        yield running


async def said(bot: SlackBot, text: str, user_id: str = AVA, enterprise_id: str = ACME_GRID) -> str:
    """``/feedback`` in Sales' C1 from ``user_id``, whose own enterprise the payload names;
    the ts of its thank-you."""
    await bot.slack.command(
        "/feedback",
        text,
        team_id="T-SALES",
        user_id=user_id,
        enterprise_id=enterprise_id,
        is_enterprise_install="true",
    )
    await bot.settled()
    return str(bot.fake.messages("C1")[-1]["ts"])


async def test_a_thumbs_up_in_an_org_wide_install_votes_in_the_workspace_it_happened_in(
    org_wide: SlackBot,
) -> None:
    ts = await said(org_wide, "Faster CI")
    answer = await org_wide.slack.reaction(
        True, user=BEN, ts=ts, team_id="T-SALES", enterprise_id=ACME_GRID, org_wide=True
    )
    (item,) = await org_wide.items(SALES)
    assert answer.status_code == 200
    assert (item.number, item.votes) == (1, 1)


async def test_a_memo_in_an_org_wide_install_records_the_message_in_its_workspace(
    org_wide: SlackBot,
) -> None:
    ts = org_wide.fake.new_ts()
    org_wide.fake.add_message("C1", ts, AVA, "The VPN drops every hour")
    answer = await org_wide.slack.reaction(
        True,
        user=BEN,
        reaction="memo",
        ts=ts,
        item_user=AVA,
        team_id="T-SALES",
        enterprise_id=ACME_GRID,
        org_wide=True,
    )
    await org_wide.settled()
    (item,) = await org_wide.items(SALES)
    assert answer.status_code == 200
    assert (item.text, item.stakeholder) == ("The VPN drops every hour", Stakeholder.INTERNAL)


async def test_the_workspace_is_recorded_with_the_installing_enterprise(
    org_wide: SlackBot, sqlite_engine: AsyncEngine
) -> None:
    await said(org_wide, "Faster CI")
    query = select(tables.workspaces.c.external_id, tables.workspaces.c.organisation_id)
    async with sqlite_engine.connect() as connection:
        rows = [tuple(row) for row in await connection.execute(query)]
    assert rows == [("T-SALES", ACME_GRID)]


async def test_a_colleague_from_another_workspace_of_the_grid_is_internal(
    org_wide: SlackBot,
) -> None:
    await said(org_wide, "Shared runners please", user_id=BEN)
    (item,) = await org_wide.items(SALES)
    assert item.stakeholder is Stakeholder.INTERNAL


async def test_a_partner_on_its_own_grid_is_external_from_a_command(in_sales: SlackBot) -> None:
    # The payload's enterprise is the partner's own: it says nothing of who installed the app.
    await said(in_sales, "Partner API keys", user_id=PIA, enterprise_id="E-PARTNER")
    (item,) = await in_sales.items(SALES)
    assert item.stakeholder is Stakeholder.EXTERNAL


async def test_a_partner_on_its_own_grid_is_external_from_a_form(in_sales: SlackBot) -> None:
    await in_sales.slack.command("/feedback", "", team_id="T-SALES", user_id=PIA)
    (opened,) = await in_sales.fake.wait_for("views.open")
    view = opened.json_arg("view")
    await in_sales.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={"text": {"value": {"type": "plain_text_input", "value": "Shared runbooks"}}},
        team_id="T-PARTNER",
        installed_team_id="T-SALES",
        user_id=PIA,
        user_name="pia",
        enterprise_id="E-PARTNER",
    )
    await in_sales.fake.wait_for("chat.postMessage")
    await in_sales.settled()
    (item,) = await in_sales.items(SALES)
    assert item.stakeholder is Stakeholder.EXTERNAL


async def test_a_partners_message_captured_in_a_shared_channel_is_external(
    in_sales: SlackBot,
) -> None:
    ts = in_sales.fake.new_ts()
    in_sales.fake.add_message("C1", ts, PIA, "Your webhooks time out")
    await in_sales.slack.reaction(
        True,
        user=AVA,
        reaction="memo",
        ts=ts,
        item_user=PIA,
        team_id="T-PARTNER",
        enterprise_id="E-PARTNER",
        installed_team_id="T-SALES",
        installed_enterprise_id=ACME_GRID,
    )
    await in_sales.settled()
    (item,) = await in_sales.items(SALES)
    assert item.stakeholder is Stakeholder.EXTERNAL


async def roadmap(bot: SlackBot, text: str, user_id: str) -> str:
    count = len(bot.fake.responses) + 1
    await bot.slack.command("/roadmap", text, team_id="T-SALES", user_id=user_id)
    responses = await bot.fake.wait_for_responses(count)
    await bot.settled()
    return str(responses[count - 1][1]["text"])


@pytest.mark.parametrize(
    ("user_id", "answered", "status"),
    [
        pytest.param(PIA, "only admins can triage", Status.NEW, id="a partner's admin: refused"),
        pytest.param(IDA, "#1 is now planned", Status.PLANNED, id="the installer's admin"),
        pytest.param(ORA, "#1 is now planned", Status.PLANNED, id="an admin of the grid"),
    ],
)
async def test_triage_rights_come_from_the_installing_organisation_only(
    in_sales: SlackBot, user_id: str, answered: str, status: Status
) -> None:
    await said(in_sales, "Faster CI")
    answer = await roadmap(in_sales, "status 1 planned", user_id)
    (item,) = await in_sales.items(SALES)
    assert answered in answer
    assert item.status is status


async def test_a_form_in_an_org_wide_install_is_filed_in_the_persons_workspace(
    org_wide: SlackBot,
) -> None:
    await org_wide.slack.command("/feedback", "", team_id="T-SALES", user_id=AVA)
    (opened,) = await org_wide.fake.wait_for("views.open")
    view = opened.json_arg("view")
    answer = await org_wide.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        values={"text": {"value": {"type": "plain_text_input", "value": "Shared runbooks"}}},
        team_id="T-SALES",
        user_id=AVA,
        user_name="ava",
        enterprise_id=ACME_GRID,
        is_enterprise_install="true",
    )
    await org_wide.fake.wait_for("chat.postMessage")
    await org_wide.settled()
    (item,) = await org_wide.items(SALES)
    assert answer.status_code == 200
    assert (item.text, item.stakeholder) == ("Shared runbooks", Stakeholder.INTERNAL)
