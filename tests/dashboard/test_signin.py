"""Signing in to the dashboard with a link from chat, sessions, and signing out."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from adapters.dashboard.routes import dashboard_app
from bot.core import Core
from bot.identity import Person, Platform, Workspace
from tests.dashboard.conftest import MORGAN, Browser, OpenBrowser, record, sign_in
from tests.fakes import ACME, FakeChat, FixedClock

GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")


async def test_the_front_page_says_how_to_get_a_link_from_chat(browser: Browser) -> None:
    page = await browser.get("/")
    assert page.status == 200
    assert "/roadmap dashboard" in page.text
    assert "works once, for 10 minutes" in page.text


async def test_a_page_without_a_session_says_how_to_sign_in_and_shows_nothing(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Audit log export")
    for path in ("/backlog", "/roadmap", "/items/1", "/kpis", "/reminders", "/backlog.csv"):
        page = await browser.get(path)
        assert page.status == 401, path
        assert "/roadmap dashboard" in page.text
        assert "Audit log" not in page.text


async def test_opening_a_link_does_not_use_it_only_the_button_does(
    browser: Browser, core: Core
) -> None:
    token = await core.access.link(ACME, MORGAN, admin=False)
    for _ in range(2):  # a chat unfurler, then the person
        page = await browser.get(f"/signin/{token}")
        assert page.status == 200
        assert f'action="/signin/{token}"' in page.text
        assert ">Sign in</button>" in page.text
    signed = await browser.post(f"/signin/{token}", csrf=False)
    assert signed.status == 303
    assert signed.headers["Location"] == "/backlog"


async def test_signing_in_sets_a_signed_http_only_lax_cookie_for_the_session(
    browser: Browser, core: Core
) -> None:
    token = await core.access.link(ACME, MORGAN, admin=True)
    signed = await browser.post(f"/signin/{token}", csrf=False)
    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith("feedbackbot_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Max-Age=43200" in cookie  # the session's 12 hours
    assert "Secure" not in cookie
    page = await browser.get("/backlog")
    assert page.status == 200
    assert "Morgan" in page.text and "admin" in page.text
    assert "slack:T-ACME" in page.text


async def test_over_https_the_cookie_is_secure(core: Core) -> None:
    token = await core.access.link(ACME, MORGAN, admin=False)
    async with TestClient(TestServer(dashboard_app(core, secure=True))) as client:
        response = await client.post(f"/signin/{token}", allow_redirects=False)
        assert response.status == 303
        assert "Secure" in response.headers["Set-Cookie"]


async def test_a_link_used_twice_gets_a_page_that_says_how_to_get_a_new_one(
    open_browser: OpenBrowser, core: Core
) -> None:
    token = await core.access.link(ACME, MORGAN, admin=False)
    first, second = await open_browser(), await open_browser()
    assert (await first.post(f"/signin/{token}", csrf=False)).status == 303
    again = await second.post(f"/signin/{token}", csrf=False)
    assert again.status == 410
    assert "This link was used already" in again.text
    assert "/roadmap dashboard" in again.text
    assert second.cookie() is None
    assert (await second.get("/backlog")).status == 401


async def test_an_expired_link_gets_a_page_that_says_how_to_get_a_new_one(
    browser: Browser, core: Core, clock: FixedClock
) -> None:
    token = await core.access.link(ACME, MORGAN, admin=False)
    clock.advance(timedelta(minutes=10, seconds=1))
    page = await browser.post(f"/signin/{token}", csrf=False)
    assert page.status == 410
    assert "This link has expired" in page.text
    assert "/roadmap dashboard" in page.text
    assert browser.cookie() is None


async def test_a_forged_link_gets_a_page_that_says_how_to_get_a_new_one(
    browser: Browser,
) -> None:
    page = await browser.post("/signin/not-a-token-we-made", csrf=False)
    assert page.status == 400
    assert "This link does not work" in page.text
    assert "/roadmap dashboard" in page.text
    assert browser.cookie() is None


async def test_another_sites_form_cannot_use_a_link(browser: Browser, core: Core) -> None:
    token = await core.access.link(ACME, MORGAN, admin=False)
    page = await browser.post(
        f"/signin/{token}", csrf=False, headers={"Origin": "https://evil.example"}
    )
    assert page.status == 403
    assert browser.cookie() is None
    # The link is still there for its person.
    assert (await browser.post(f"/signin/{token}", csrf=False)).status == 303


async def test_another_workspaces_link_shows_that_workspace_only(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Acme wants audit logs")
    await record(core, chat, "Globex wants dark mode", workspace=GLOBEX)
    page = await sign_in(browser, core, workspace=GLOBEX, person=Person("D-1", "Gia"))
    assert "Globex wants dark mode" in page.text
    assert "Acme wants" not in page.text
    assert "discord:G-GLOBEX" in page.text


async def test_a_session_ends_when_its_time_is_up(
    browser: Browser, core: Core, clock: FixedClock
) -> None:
    await sign_in(browser, core)
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await browser.get("/backlog")).status == 200
    clock.advance(timedelta(minutes=2))
    page = await browser.get("/backlog")
    assert page.status == 401
    assert "/roadmap dashboard" in page.text


async def test_a_cookie_with_a_changed_signature_signs_nobody_in(
    open_browser: OpenBrowser, core: Core
) -> None:
    signed_in = await open_browser()
    await sign_in(signed_in, core)
    cookie = signed_in.cookie()
    assert cookie is not None
    token, _, mac = cookie.rpartition(".")
    stranger = await open_browser()
    for forged in (token, f"{token}.{mac[::-1]}", f"{token}x.{mac}"):
        stranger.client.session.cookie_jar.update_cookies({"feedbackbot_session": forged})
        assert (await stranger.get("/backlog")).status == 401


async def test_signing_out_ends_the_session_for_good(open_browser: OpenBrowser, core: Core) -> None:
    browser = await open_browser()
    await sign_in(browser, core)
    cookie = browser.cookie()
    page = await browser.post("/signout")
    assert page.status == 303
    assert page.headers["Location"] == "/"
    assert browser.cookie() in (None, "")
    assert (await browser.get("/backlog")).status == 401
    # A copy of the cookie kept from before signs nobody in either.
    copy = await open_browser()
    copy.client.session.cookie_jar.update_cookies({"feedbackbot_session": cookie or ""})
    assert (await copy.get("/backlog")).status == 401


async def test_signing_out_needs_the_sessions_csrf_token(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.post("/signout", csrf=False)
    assert page.status == 403
    assert (await browser.get("/backlog")).status == 200


async def test_the_front_page_of_someone_signed_in_leads_to_the_backlog(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.get("/")
    assert page.status == 303
    assert page.headers["Location"] == "/backlog"


async def test_pages_are_never_cached_nor_framed(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.get("/backlog")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
