"""The reminders page: the workspace's reminders with their next time; admins add and remove."""

from __future__ import annotations

from bot.core import Core
from bot.identity import Platform, Workspace
from bot.reminders import ReminderKind
from bot.surveys import Scale
from tests.dashboard.conftest import MORGAN, Browser, sign_in
from tests.fakes import ACME, BOB

GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")


async def test_the_reminders_of_the_workspace_show_with_their_next_time(
    browser: Browser, core: Core
) -> None:
    # START is Monday 2025-03-03 09:00 UTC.
    await core.roadmap.add_reminder(ACME, "C-ROADMAP", "every friday at 10:00 in Europe/Berlin")
    await core.roadmap.add_reminder(
        ACME, "C-ASK", "every day at 12:00", kind=ReminderKind.PROMPT, text="Tell us <all>"
    )
    await core.roadmap.add_reminder(GLOBEX, "C-GLOBEX", "every day at 08:00")
    await sign_in(browser, core, admin=False)
    page = await browser.get("/reminders")
    assert page.status == 200
    assert "C-ROADMAP" in page.text and "every friday at 10:00" in page.text
    assert "Fri 2025-03-07 10:00 Europe/Berlin" in page.text
    assert "feedback prompt" in page.text and "Tell us &lt;all&gt;" in page.text
    assert "Mon 2025-03-03 12:00 UTC" in page.text
    assert "C-GLOBEX" not in page.text
    # Not an admin: nothing to add or remove with.
    assert 'action="/reminders"' not in page.text and "/remove" not in page.text


async def test_an_admin_adds_a_reminder(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/reminders",
        {"channel": "C-ROADMAP", "schedule": "every monday at 09:00 in Europe/Berlin"},
    )
    assert page.status == 303
    [added] = await core.roadmap.reminders(ACME)
    assert page.headers["Location"] == f"/reminders?added={added.id}"
    assert (added.channel_id, added.time_zone) == ("C-ROADMAP", "Europe/Berlin")
    assert added.kind is ReminderKind.ROADMAP
    assert added.created_by == MORGAN
    listed = await browser.get(page.headers["Location"])
    assert f"Reminder #{added.id} is added." in listed.text


async def test_an_admin_adds_a_yes_no_survey(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/reminders",
        {
            "channel": "C-PULSE",
            "schedule": "every friday at 16:00",
            "kind": "survey",
            "scale": "yes/no",
            "text": "Did this week's deploys go well?",
        },
    )
    assert page.status == 303
    [added] = await core.roadmap.reminders(ACME)
    assert (added.kind, added.scale) == (ReminderKind.SURVEY, Scale.YES_NO)
    assert added.text == "Did this week's deploys go well?"
    listed = await browser.get(page.headers["Location"])
    assert "survey (yes/no)" in listed.text


async def test_a_prompt_added_with_the_forms_default_scale_has_none(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/reminders",
        {"channel": "C-ASK", "schedule": "every day at 12:00", "kind": "prompt", "scale": "1-5"},
    )
    assert page.status == 303
    [added] = await core.roadmap.reminders(ACME)
    assert (added.kind, added.scale) == (ReminderKind.PROMPT, None)


async def test_a_schedule_that_cannot_be_read_is_refused_with_an_example(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/reminders", {"channel": "C-ROADMAP", "schedule": "whenever", "kind": "prompt"}
    )
    assert page.status == 400
    assert "Nothing was added: I could not read `whenever` as a schedule" in page.text
    assert 'value="whenever"' in page.text  # what was typed is kept
    assert await core.roadmap.reminders(ACME) == []


async def test_an_admin_removes_a_reminder(browser: Browser, core: Core) -> None:
    reminder = await core.roadmap.add_reminder(ACME, "C-ROADMAP", "every day at 09:00")
    await sign_in(browser, core)
    page = await browser.get("/reminders")
    assert f'action="/reminders/{reminder.id}/remove"' in page.text
    removed = await browser.post(f"/reminders/{reminder.id}/remove")
    assert removed.status == 303
    assert await core.roadmap.reminders(ACME) == []


async def test_another_workspaces_reminder_cannot_be_removed(browser: Browser, core: Core) -> None:
    theirs = await core.roadmap.add_reminder(GLOBEX, "C-GLOBEX", "every day at 09:00")
    await sign_in(browser, core)
    page = await browser.post(f"/reminders/{theirs.id}/remove")
    assert page.status == 404
    assert len(await core.roadmap.reminders(GLOBEX)) == 1


async def test_a_non_admin_cannot_add_or_remove_reminders(browser: Browser, core: Core) -> None:
    reminder = await core.roadmap.add_reminder(ACME, "C-ROADMAP", "every day at 09:00")
    await sign_in(browser, core, person=BOB, admin=False)
    added = await browser.post("/reminders", {"channel": "C-X", "schedule": "every day at 10:00"})
    assert added.status == 403
    removed = await browser.post(f"/reminders/{reminder.id}/remove")
    assert removed.status == 403
    assert [r.id for r in await core.roadmap.reminders(ACME)] == [reminder.id]


async def test_adding_a_reminder_needs_the_csrf_token(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/reminders", {"channel": "C-X", "schedule": "every day at 10:00"}, csrf=False
    )
    assert page.status == 403
    assert await core.roadmap.reminders(ACME) == []
