"""The dashboard's routes: HTTP in, a use case of the core called, a page out.

Every page but the sign-in ones needs a session, and shows only the session's workspace. A
POST needs the session's CSRF token; a triage or reminder POST also needs an admin. Triage goes
through the very use cases the chat commands call, so people hear of a change made here as of
one made in chat (the outbox delivers what they are owed).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.dashboard import views
from adapters.dashboard.session import (
    COOKIE_NAME,
    CSRF_FIELD,
    cookie_value,
    csrf_token,
    csrf_valid,
    session_token,
)
from bot.backlog import BacklogQuery, BadCursor
from bot.core import Core
from bot.dashboard_access import LinkRefused, Visitor
from bot.errors import (
    ConfigError,
    DoesNotApply,
    InvalidTransition,
    ItemNotFound,
    NotAllowed,
    StorageError,
    TrackerFailed,
    first_line,
)
from bot.identity import Person, Workspace
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.kpis import percent
from bot.presenting import TRACKER_LABELS, issue_name
from bot.reminders import ReminderKind
from bot.schedules import EXAMPLES, ScheduleError
from bot.surveys import Scale
from bot.text import MAX_TEXT_LENGTH, parse_number
from bot.trackers import TrackerNotConfigured, UnknownIssue
from bot.webhook_events import ITEM_EVENTS, EventType
from bot.webhooks import Attempt, BadEndpoint, Endpoint, WebhookNotFound

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PAGE_SIZE = 50
STATIC = "dashboard-static"
# Every answer: never cached (pages name people), never framed, nothing from elsewhere.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
# How long a reminder's fields and a note may be, beyond which a form is refused.
MAX_FIELD = 200
# The longest endpoint URL taken, and how many recent deliveries the webhooks page lists.
MAX_URL = 2000
DELIVERIES_SHOWN = 50
# The fields of the form that adds a reminder.
REMINDER_FIELDS = ("channel", "schedule", "kind", "scale", "text")
# How far back among an endpoint's attempts the page looks for the test just sent.
TESTS_LOOKED = 20
# What an endpoint may subscribe to, in the form's order: every item event (a test event goes
# to the endpoint tested, subscribed or not).
SUBSCRIBABLE = [event for event in EventType if event in ITEM_EVENTS]

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Guest:
    """A signed-in visitor on this request: who, the session's token, its forms' CSRF token."""

    visitor: Visitor
    session: str
    csrf: str

    @property
    def workspace(self) -> Workspace:
        return self.visitor.workspace

    @property
    def person(self) -> Person:
        return self.visitor.person

    @property
    def roles(self) -> VisitorRoles:
        return VisitorRoles(self.visitor.admin)


@dataclass(frozen=True, slots=True)
class VisitorRoles:
    """``bot.ports.Roles`` for a dashboard visitor: their role was decided when they asked
    for the link in chat, the way triage decides it there."""

    admin: bool

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return self.admin


Page = Callable[[web.Request, Guest], Awaitable[web.StreamResponse]]


class Dashboard:
    """The routes on one core. ``secure`` marks the cookie ``Secure`` (served over HTTPS)."""

    def __init__(self, core: Core, *, secure: bool) -> None:
        self._core = core
        self._secure = secure

    # -- plumbing -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.PackageLoader("adapters.dashboard", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        env = aiohttp_jinja2.get_env(app)
        env.globals.update(when=views.when, age=views.age, label=views.label, static_route=STATIC)
        env.globals.update(issue_name=issue_name, seconds=views.seconds, outcome=views.outcome)
        get, post = app.router.add_get, app.router.add_post
        get("/", self._plain(self._home))
        get("/signin/{token}", self._plain(self._signin_page))
        post("/signin/{token}", self._plain(self._signin))
        post("/signout", self._plain(self._signout))
        get("/backlog", self._page(self._backlog))
        get("/backlog.csv", self._page(self._export("csv")))
        get("/backlog.json", self._page(self._export("json")))
        get("/roadmap", self._page(self._board))
        get("/items/{number}", self._page(self._item))
        post("/items/{number}/status", self._form(self._status, admin=True))
        post("/items/{number}/priority", self._form(self._priority, admin=True))
        post("/items/{number}/stakeholder", self._form(self._stakeholder, admin=True))
        get("/kpis", self._page(self._kpis))
        get("/reminders", self._page(self._reminders))
        post("/reminders", self._form(self._add_reminder, admin=True))
        post("/reminders/{id}/remove", self._form(self._remove_reminder, admin=True))
        post("/items/{number}/links", self._form(self._link, admin=True))
        post("/items/{number}/links/remove", self._form(self._unlink, admin=True))
        get("/webhooks", self._page(self._admin_only(self._webhooks)))
        post("/webhooks", self._form(self._add_webhook, admin=True))
        post("/webhooks/{id}/remove", self._form(self._remove_webhook, admin=True))
        post("/webhooks/{id}/test", self._form(self._test_webhook, admin=True))
        app.router.add_static("/static", HERE / "static", name=STATIC, append_version=True)

    def _plain(
        self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                response = await handler(request)
            except StorageError as error:
                # A page, not a 500 with a traceback: the database comes back, people reload.
                log.warning("the dashboard could not use the database: %s", first_line(error))
                response = self._render(request, "unavailable.html", {}, status=503)
            if not response.prepared:
                response.headers.update(HEADERS)
            return response

        return handle

    def _page(self, page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A page for signed-in visitors; anyone else is told how to sign in."""

        async def handle(request: web.Request) -> web.StreamResponse:
            guest = await self._guest(request)
            if guest is None:
                return self._render(request, "signin_needed.html", {}, status=401)
            return await page(request, guest)

        return self._plain(handle)

    def _form(
        self, page: Page, *, admin: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A POST: refused (403, nothing done) without this session's CSRF token, or, when it
        triages, from someone who is not an admin."""

        async def handle(request: web.Request, guest: Guest) -> web.StreamResponse:
            form = await request.post()
            given = form.get(CSRF_FIELD)
            key = await self._core.access.signing_key()
            if not isinstance(given, str) or not csrf_valid(key, guest.session, given):
                return self._refused(request, guest, "This form has expired. Reload the page.")
            if admin and not guest.visitor.admin:
                return self._refused(request, guest, "Only admins can do this.")
            return await page(request, guest)

        return self._page(handle)

    async def _guest(self, request: web.Request) -> Guest | None:
        key = await self._core.access.signing_key()
        token = session_token(key, request.cookies.get(COOKIE_NAME))
        if token is None:
            return None
        visitor = await self._core.access.visitor(token)
        if visitor is None:
            return None
        return Guest(visitor, token, csrf_token(key, token))

    def _render(
        self,
        request: web.Request,
        template: str,
        context: dict[str, Any],
        *,
        guest: Guest | None = None,
        status: int = 200,
    ) -> web.Response:
        context = {"guest": guest, "csrf_field": CSRF_FIELD, "path": request.path, **context}
        return aiohttp_jinja2.render_template(template, request, context, status=status)

    def _refused(self, request: web.Request, guest: Guest, why: str) -> web.Response:
        return self._render(request, "refused.html", {"why": why}, guest=guest, status=403)

    def _missing(self, request: web.Request, guest: Guest, what: str) -> web.Response:
        return self._render(request, "missing.html", {"what": what}, guest=guest, status=404)

    # -- signing in and out -------------------------------------------------------------------

    async def _home(self, request: web.Request) -> web.StreamResponse:
        if await self._guest(request) is not None:
            return _see_other("/backlog")
        return self._render(request, "signin_needed.html", {})

    async def _signin_page(self, request: web.Request) -> web.StreamResponse:
        # Chat unfurlers and link scanners fetch a link too: only the button uses it.
        return self._render(request, "signin.html", {"token": request.match_info["token"]})

    async def _signin(self, request: web.Request) -> web.StreamResponse:
        if not _same_origin(request):
            return self._render(request, "link_refused.html", {"why": "forged"}, status=403)
        signed = await self._core.access.sign_in(request.match_info["token"])
        if isinstance(signed, LinkRefused):
            status = 400 if signed is LinkRefused.UNKNOWN else 410
            return self._render(request, "link_refused.html", {"why": signed.value}, status=status)
        key = await self._core.access.signing_key()
        response = _see_other("/backlog")
        left = (signed.expires_at - self._core.clock.now()).total_seconds()
        response.set_cookie(
            COOKIE_NAME,
            cookie_value(key, signed.token),
            max_age=max(0, int(left)),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self._secure,
        )
        log.info(
            "dashboard: %s signed in to %s", signed.visitor.person.user_id, signed.visitor.workspace
        )
        return response

    async def _signout(self, request: web.Request) -> web.StreamResponse:
        guest = await self._guest(request)
        if guest is not None:
            form = await request.post()
            given = form.get(CSRF_FIELD)
            key = await self._core.access.signing_key()
            if not isinstance(given, str) or not csrf_valid(key, guest.session, given):
                return self._refused(request, guest, "This form has expired. Reload the page.")
            await self._core.access.sign_out(guest.session)
        response = _see_other("/")
        response.del_cookie(COOKIE_NAME, path="/")
        return response

    # -- reading ------------------------------------------------------------------------------

    def _asked(self, request: web.Request, guest: Guest) -> views.BacklogAsked:
        query = {name: request.query.get(name, "") for name in views.FILTER_FIELDS}
        query["after"] = request.query.get("after", "")
        return views.backlog_asked(query, request.query.getall("status", []), guest.person)

    async def _backlog(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        asked = self._asked(request, guest)
        status, stale = 200, False
        try:
            page = await self._core.backlog.page(
                guest.workspace, BacklogQuery(asked.filter, asked.sort, asked.after, PAGE_SIZE)
            )
        except BadCursor:
            # A page link of another sort, or edited by hand: the first page, and why.
            status, stale = 400, True
            page = await self._core.backlog.page(
                guest.workspace, BacklogQuery(asked.filter, asked.sort, None, PAGE_SIZE)
            )
        return self._render(
            request,
            "backlog.html",
            {
                "asked": asked,
                "page": page,
                "now": self._core.clock.now(),
                "statuses": list(Status),
                "kinds": list(ItemKind),
                "stakeholders": list(Stakeholder),
                "priorities": list(Priority),
                "sorts": views.SORT_LABELS,
                "stale": stale,
            },
            guest=guest,
            status=status,
        )

    def _export(self, format: Literal["csv", "json"]) -> Page:
        content_type = "text/csv" if format == "csv" else "application/json"

        async def export(request: web.Request, guest: Guest) -> web.StreamResponse:
            asked = self._asked(request, guest)
            response = web.StreamResponse(
                headers={
                    **HEADERS,
                    "Content-Disposition": f'attachment; filename="backlog.{format}"',
                }
            )
            response.content_type = content_type
            response.charset = "utf-8"
            stream = self._core.backlog.export(guest.workspace, asked.filter, asked.sort, format)
            # The opening and the first page before the answer starts: a database that fails
            # now gets a page that says so (above) rather than a broken download.
            first = await anext(stream)
            first += await anext(stream, b"")
            await response.prepare(request)
            await response.write(first)
            try:
                async for chunk in stream:
                    await response.write(chunk)
            except StorageError as error:
                # Too late for a page: the connection is closed without the end of the body,
                # so the browser reports a failed download, never a file that looks whole.
                log.warning("an export stopped: the database failed: %s", first_line(error))
                if request.transport is not None:
                    request.transport.close()
                return response
            await response.write_eof()
            return response

        return export

    async def _board(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        columns = await self._core.backlog.board(guest.workspace)
        return self._render(request, "roadmap.html", {"columns": columns}, guest=guest)

    async def _item(
        self,
        request: web.Request,
        guest: Guest,
        *,
        error: str | None = None,
        status: int = 200,
    ) -> web.StreamResponse:
        number = parse_number(request.match_info["number"])
        detail = None
        if number is not None:
            detail = await self._core.backlog.detail(guest.workspace, number)
        if detail is None:
            return self._missing(request, guest, f"item #{request.match_info['number']}")
        item = detail.item
        return self._render(
            request,
            "item.html",
            {
                "detail": detail,
                "item": item,
                "thanks_link": views.thanks_link(item),
                "linked_issues": views.linked_issues(item),
                "next_statuses": views.next_statuses(item),
                "priorities": list(Priority),
                "stakeholders": list(Stakeholder),
                "error": error,
                "done": request.query.get("done", ""),
                "now": self._core.clock.now(),
                "max_note": MAX_TEXT_LENGTH,
                # What a link form did; only an issue the item is linked to is named.
                "just_linked": views.just_linked(item, request.query),
            },
            guest=guest,
            status=status,
        )

    async def _kpis(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        kpis = await self._core.triage.stats(guest.workspace)
        charts = await self._core.triage.charts(guest.workspace)
        return self._render(
            request,
            "kpis.html",
            {
                "kpis": kpis,
                "figures": views.kpi_figures(kpis),
                "durations": views.kpi_durations(kpis),
                "charts": views.kpi_charts(charts),
                "csat_share": percent(kpis.csat.share),
                "csat_tables": views.csat_tables(kpis),
                "polls": views.poll_lines(kpis),
            },
            guest=guest,
        )

    async def _reminders(
        self,
        request: web.Request,
        guest: Guest,
        *,
        error: str | None = None,
        status: int = 200,
        typed: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        now = self._core.clock.now()
        found = await self._core.roadmap.reminders(guest.workspace)
        return self._render(
            request,
            "reminders.html",
            {
                "reminders": [(r, r.next_at(now)) for r in found],
                "kinds": list(ReminderKind),
                "scales": list(Scale),
                "examples": EXAMPLES,
                "error": error,
                "typed": typed or dict.fromkeys(REMINDER_FIELDS, ""),
                "added": request.query.get("added", ""),
                "removed": request.query.get("removed", ""),
                "default_zone": self._core.roadmap.default_zone,
            },
            guest=guest,
            status=status,
        )

    # -- triage -------------------------------------------------------------------------------

    async def _triage(
        self, request: web.Request, guest: Guest, change: Callable[[int], Awaitable[object]]
    ) -> web.StreamResponse:
        number = parse_number(request.match_info["number"])
        if number is None:
            return self._missing(request, guest, f"item #{request.match_info['number']}")
        try:
            await change(number)
        except NotAllowed:
            return self._refused(request, guest, "Only admins can do this.")
        except ItemNotFound:
            return self._missing(request, guest, f"item #{number}")
        except (InvalidTransition, DoesNotApply, _FormError) as refused:
            return await self._item(request, guest, error=str(refused), status=409)
        return _see_other(f"/items/{number}?done={request.path.rsplit('/', 1)[-1]}")

    async def _status(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()

        async def change(number: int) -> object:
            to = _choice(Status, form.get("status"), "Choose the status to move it to.")
            note = _text(form.get("note"), MAX_TEXT_LENGTH, "The note")
            duplicate_of: int | None = None
            if to is Status.DUPLICATE:
                duplicate_of = parse_number(_text(form.get("duplicate_of"), 20, "The item"))
                if duplicate_of is None:
                    raise _FormError("A duplicate of which item? Give its number, e.g. 12.")
            return await self._core.triage.change_status(
                guest.workspace,
                guest.person,
                guest.roles,
                None,
                number,
                to,
                note=note,
                duplicate_of=duplicate_of,
            )

        return await self._triage(request, guest, change)

    async def _priority(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()

        async def change(number: int) -> object:
            priority = _choice(Priority, form.get("priority"), "Choose a priority.")
            return await self._core.triage.set_priority(
                guest.workspace, guest.person, guest.roles, number, priority
            )

        return await self._triage(request, guest, change)

    async def _stakeholder(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()

        async def change(number: int) -> object:
            stakeholder = _choice(Stakeholder, form.get("stakeholder"), "Choose a stakeholder.")
            return await self._core.triage.set_stakeholder(
                guest.workspace,
                guest.person,
                guest.roles,
                number,
                stakeholder,
            )

        return await self._triage(request, guest, change)

    # -- reminders ----------------------------------------------------------------------------

    async def _add_reminder(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()
        typed = {
            name: value if isinstance(value := form.get(name), str) else ""
            for name in REMINDER_FIELDS
        }
        try:
            channel = _text(typed["channel"], MAX_FIELD, "The channel")
            schedule = _text(typed["schedule"], MAX_FIELD, "The schedule")
            kind = _choice(ReminderKind, typed["kind"] or "roadmap", "Choose what to post.")
            scale = _choice(Scale, typed["scale"] or "1-5", "Choose a survey's scale.")
            text = _text(typed["text"], MAX_TEXT_LENGTH, "The prompt's text")
            if not channel:
                raise _FormError("Which channel? Give its id.")
            if not schedule:
                raise _FormError("When? Give a schedule, e.g. every monday at 09:00.")
            reminder = await self._core.roadmap.add_reminder(
                guest.workspace,
                channel,
                schedule,
                kind=kind,
                text=text,
                created_by=guest.person,
                # The other kinds have no scale; the form sends one always.
                scale=scale if kind is ReminderKind.SURVEY else None,
            )
        except (ScheduleError, _FormError) as refused:
            return await self._reminders(
                request, guest, error=str(refused), status=400, typed=typed
            )
        return _see_other(f"/reminders?added={reminder.id}")

    async def _remove_reminder(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        reminder_id = parse_number(request.match_info["id"])
        if reminder_id is None or not await self._core.roadmap.remove_reminder(
            guest.workspace, reminder_id
        ):
            return self._missing(request, guest, f"reminder #{request.match_info['id']}")
        return _see_other(f"/reminders?removed={reminder_id}")

    # -- tracker links --------------------------------------------------------------------------

    async def _linking(
        self,
        request: web.Request,
        guest: Guest,
        change: Callable[[int], Awaitable[str]],
    ) -> web.StreamResponse:
        """A link or an unlink, refused on the item's page as a triage form is: ``change``
        gives the page's query that says what was done."""
        number = parse_number(request.match_info["number"])
        if number is None:
            return self._missing(request, guest, f"item #{request.match_info['number']}")
        try:
            done = await change(number)
        except NotAllowed:
            return self._refused(request, guest, "Only admins can do this.")
        except ItemNotFound:
            return self._missing(request, guest, f"item #{number}")
        except TrackerNotConfigured as missing:
            why = f"{TRACKER_LABELS.get(missing.tracker, missing.tracker)} is not configured"
            return await self._item(request, guest, error=f"{why} on this bot.", status=409)
        except (TrackerFailed, UnknownIssue, _FormError) as refused:
            return await self._item(request, guest, error=first_line(refused), status=409)
        return _see_other(f"/items/{number}?{done}")

    async def _link(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()

        async def change(number: int) -> str:
            text = _text(form.get("issue"), MAX_FIELD, "The issue")
            if not text:
                raise _FormError(
                    "Which issue? Give its URL, PROJ-12 or owner/repo#12; "
                    "or github owner/repo or jira PROJ to create one."
                )
            linked = await self._core.trackers.link(
                guest.workspace, guest.person, guest.roles, number, text
            )
            done = {"done": "linked", "issue": linked.ref.key}
            if linked.created:
                done["created"] = "1"
            if linked.moved is not None:
                done["moved"] = "1"
            return urlencode(done)

        return await self._linking(request, guest, change)

    async def _unlink(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()

        async def change(number: int) -> str:
            text = _text(form.get("issue"), MAX_FIELD, "The issue")
            removed = await self._core.trackers.unlink(
                guest.workspace, guest.person, guest.roles, number, text
            )
            if not removed:
                raise _FormError(f"#{number} is not linked to {text or 'any issue'}.")
            return urlencode({"done": "unlinked", "count": str(len(removed))})

        return await self._linking(request, guest, change)

    # -- webhooks -----------------------------------------------------------------------------

    def _admin_only(self, page: Page) -> Page:
        """A page for admins alone (it names where the workspace's events go): anyone else is
        refused, as an admin's form is."""

        async def handle(request: web.Request, guest: Guest) -> web.StreamResponse:
            if not guest.visitor.admin:
                return self._refused(request, guest, "Only admins can see this page.")
            return await page(request, guest)

        return handle

    async def _webhooks(
        self,
        request: web.Request,
        guest: Guest,
        *,
        error: str | None = None,
        status: int = 200,
        typed: tuple[str, frozenset[EventType]] | None = None,
        added: tuple[Endpoint, str] | None = None,
    ) -> web.StreamResponse:
        endpoints = await self._core.webhooks.endpoints(guest.workspace)
        attempts = await self._core.webhooks.deliveries(guest.workspace, None, DELIVERIES_SHOWN)
        url, chosen = typed or ("", ITEM_EVENTS)
        return self._render(
            request,
            "webhooks.html",
            {
                "endpoints": endpoints,
                "attempts": attempts,
                "events": SUBSCRIBABLE,
                "every_event": ITEM_EVENTS,
                "error": error,
                "typed_url": url,
                "chosen": chosen,
                "added": added,
                "tested": await self._tested(request, guest),
                "removed": views.number_in(request.query, "removed"),
            },
            guest=guest,
            status=status,
        )

    async def _tested(self, request: web.Request, guest: Guest) -> Attempt | None:
        """The test attempt the address names (after "Send test"), when it is this workspace's."""
        delivery_id = views.number_in(request.query, "tested")
        endpoint_id = views.number_in(request.query, "endpoint")
        if delivery_id is None or endpoint_id is None:
            return None
        recent = await self._core.webhooks.deliveries(guest.workspace, endpoint_id, TESTS_LOOKED)
        return next(
            (a for a in recent if a.delivery_id == delivery_id and a.type is EventType.TEST), None
        )

    async def _add_webhook(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        form = await request.post()
        raw = form.get("url")
        url = raw.strip() if isinstance(raw, str) else ""
        chosen = frozenset(
            event for event in SUBSCRIBABLE if event.value in form.getall("events", [])
        )
        try:
            if not url:
                raise _FormError("Where to? Give the endpoint's URL, https://...")
            if len(url) > MAX_URL:
                raise _FormError(f"The URL is over {MAX_URL:,} characters.")
            if not chosen:
                raise _FormError("Choose at least one event to send.")
            endpoint, secret = await self._core.webhooks.add(guest.workspace, url, chosen)
        except (BadEndpoint, ConfigError, _FormError) as refused:
            return await self._webhooks(
                request,
                guest,
                error=f"Nothing was added: {refused}",
                status=400,
                typed=(url, chosen),
            )
        log.info("dashboard: %s added webhook endpoint %s", guest.person.user_id, endpoint.id)
        # The secret is shown in this answer alone (never stored where a page can read it
        # back), so it is not a redirect: the page is not cached and a reload asks first.
        return await self._webhooks(request, guest, added=(endpoint, secret))

    async def _remove_webhook(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        endpoint_id = parse_number(request.match_info["id"])
        if endpoint_id is None or not await self._core.webhooks.remove(
            guest.workspace, endpoint_id
        ):
            return self._missing(request, guest, f"webhook endpoint #{request.match_info['id']}")
        return _see_other(f"/webhooks?removed={endpoint_id}")

    async def _test_webhook(self, request: web.Request, guest: Guest) -> web.StreamResponse:
        endpoint_id = parse_number(request.match_info["id"])
        missing = f"webhook endpoint #{request.match_info['id']}"
        if endpoint_id is None:
            return self._missing(request, guest, missing)
        try:
            attempt = await self._core.webhooks.test(guest.workspace, endpoint_id)
        except WebhookNotFound:
            return self._missing(request, guest, missing)
        except ConfigError as refused:
            return await self._webhooks(
                request, guest, error=f"Nothing was sent: {refused}", status=409
            )
        # The page lists this attempt: the address names it, the page reads what it answered.
        return _see_other(f"/webhooks?tested={attempt.delivery_id}&endpoint={endpoint_id}")


class _FormError(ValueError):
    """A form that cannot be read: the message says what to fix."""


def _choice(kind: type[E], raw: object, problem: str) -> E:
    chosen = views.one_of(kind, raw)
    if chosen is None:
        raise _FormError(problem)
    return chosen


def _text(raw: object, most: int, what: str) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) > most:
        raise _FormError(f"{what} is over {most:,} characters.")
    return text


def _see_other(location: str) -> web.Response:
    """After a form: the page to show next, fetched with GET (so a reload posts nothing)."""
    return web.Response(status=303, headers={"Location": location})


def _same_origin(request: web.Request) -> bool:
    """Whether a browser that says where a form came from says it came from here: another
    site's page cannot sign someone in to a session of its choosing."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def add_dashboard(app: web.Application, core: Core, *, secure: bool) -> None:
    """Serve the dashboard's routes (``/`` and below) from ``app``, beside its others (aiohttp
    mounts no sub-application at ``/``). ``secure``: people reach it over HTTPS (``PUBLIC_URL``
    starts with ``https://``), so the session cookie is sent over HTTPS only."""
    Dashboard(core, secure=secure).add_routes(app)


def dashboard_app(core: Core, *, secure: bool) -> web.Application:
    """The dashboard as an application of its own, served alone (tests do)."""
    app = web.Application()
    add_dashboard(app, core, secure=secure)
    return app
