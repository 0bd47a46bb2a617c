"""The roadmap digest on a seeded database: what it lists, in what order, and how it shortens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.digest import ItemLine, RoadmapFacts, StatusMove, compose_digest
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.messages import Part, Plain, Quote
from tests.fakes import ADA, BOB, CY, submission
from tests.reminders.conftest import ACME, GLOBEX, MONDAY, Roadmap

UTC_ZONE = ZoneInfo("UTC")


async def seed(roadmap: Roadmap) -> None:
    """Last week: old items; this week: new requests, feedback, votes and status changes."""
    feedback = roadmap.feedback
    roadmap.at(MONDAY - timedelta(days=10))
    old = await feedback.submit(
        submission(
            "Old must-have: audit logs",
            kind=ItemKind.REQUEST,
            priority=Priority.MUST_HAVE,
            workspace=ACME,
        )
    )
    shipped = await feedback.submit(
        submission("Faster runners", kind=ItemKind.REQUEST, workspace=ACME)
    )
    await feedback.submit(
        submission(
            "Globex secret plan",
            kind=ItemKind.REQUEST,
            workspace=GLOBEX,
            priority=Priority.MUST_HAVE,
        )
    )
    roadmap.at(MONDAY - timedelta(days=3))
    await feedback.submit(
        submission(
            "Dark mode please",
            kind=ItemKind.REQUEST,
            workspace=ACME,
            stakeholder=Stakeholder.EXTERNAL,
        )
    )
    await feedback.submit(
        submission(
            "SSO for Grafana",
            kind=ItemKind.REQUEST,
            workspace=ACME,
            priority=Priority.MUST_HAVE,
            stakeholder=Stakeholder.EXTERNAL,
        )
    )
    await feedback.submit(submission("Runbooks are great", workspace=ACME))
    for voter in (ADA, BOB, CY):
        await feedback.vote(ACME, 3, voter)  # dark mode
    await feedback.vote(ACME, 2, ADA)  # faster runners, about to ship
    assert not isinstance(shipped, type(None)) and not isinstance(old, type(None))
    await feedback.change_status(ACME, 2, Status.PLANNED)
    await feedback.change_status(ACME, 2, Status.SHIPPED)
    await feedback.change_status(ACME, 3, Status.UNDER_REVIEW)  # not announced


async def test_the_digest_tells_a_week_in_the_order_stakeholders_care_about(
    roadmap: Roadmap,
) -> None:
    await seed(roadmap)
    message = await roadmap.service.digest(ACME, MONDAY - timedelta(days=7), MONDAY, 4000)
    text = message.plain
    assert text.splitlines()[0] == "Roadmap update, Mon 24 Feb to Mon 03 Mar"
    assert text.index("New requests (2):") < text.index(
        "#4 “SSO for Grafana” (must-have, external)"
    )
    assert text.index("#4 “SSO") < text.index("#3 “Dark mode please” (good-to-have, external)")
    assert "#2 “Faster runners” is now planned" in text
    assert "#2 “Faster runners” is now shipped" in text
    assert "is now under review" not in text  # triage's own steps are not announced
    assert "Most wanted open requests:\n• #3 “Dark mode please” · 3 votes · under review" in text
    waiting = text[text.index("Must-haves waiting for triage (2):") :]
    assert waiting.index("#1 “Old must-have") < waiting.index("#4 “SSO")
    assert text.splitlines()[-1] == "3 new items (2 requests, 1 feedback): 1 internal, 2 external."
    assert "Globex" not in text  # nothing of another workspace


async def test_what_people_typed_stays_a_quote_for_the_platform_to_escape(
    roadmap: Roadmap,
) -> None:
    await seed(roadmap)
    message = await roadmap.service.digest(ACME, MONDAY - timedelta(days=7), MONDAY, 4000)
    quoted = {part.text for part in message.parts if isinstance(part, Quote)}
    assert {"SSO for Grafana", "Dark mode please", "Faster runners"} <= quoted


async def test_a_quiet_period_says_so_in_one_line(roadmap: Roadmap) -> None:
    await seed(roadmap)
    later = MONDAY + timedelta(days=14)
    message = await roadmap.service.digest(ACME, later - timedelta(days=7), later, 4000)
    assert message.plain == (
        "Roadmap update, Mon 10 Mar to Mon 17 Mar: a quiet period, with no new feedback or "
        "requests and no status changes."
    )


async def test_an_empty_workspace_is_quiet(roadmap: Roadmap) -> None:
    message = await roadmap.service.digest(ACME, MONDAY - timedelta(days=7), MONDAY, 4000)
    assert "quiet period" in message.plain and "\n" not in message.plain


def _line(number: int, text: str, **changes: object) -> ItemLine:
    fields: dict[str, object] = {
        "number": number,
        "text": text,
        "priority": Priority.MUST_HAVE,
        "stakeholder": Stakeholder.INTERNAL,
        "status": Status.NEW,
        "votes": 0,
        "created_at": MONDAY,
    }
    fields.update(changes)
    return ItemLine(**fields)  # type: ignore[arg-type]


def busy_week() -> RoadmapFacts:
    long = "x" * 300 + " & <!channel> *bold* " * 10
    lines = [_line(n, f"Request {n} {long}", votes=n) for n in range(1, 6)]
    return RoadmapFacts(
        since=MONDAY - timedelta(days=7),
        until=MONDAY,
        new_requests=lines,
        new_requests_total=840,
        moves=[StatusMove(n, f"Item {n} {long}", Status.SHIPPED, MONDAY) for n in range(5)],
        moves_total=77,
        top_voted=lines,
        waiting_must_haves=lines,
        waiting_total=400,
        new_items={Stakeholder.INTERNAL: 900, Stakeholder.EXTERNAL: 40},
        new_feedback=100,
    )


def rendered_length(message_parts: tuple[Part, ...]) -> int:
    # The worst a platform's escaping can do: every typed character doubled.
    return sum(
        len(p.text) * (2 if isinstance(p, Quote) else 1)
        for p in message_parts
        if isinstance(p, Plain | Quote)
    )


def test_a_busy_week_fits_discord_and_ends_long_lists_with_and_n_more() -> None:
    message = compose_digest(busy_week(), UTC_ZONE, 2000)
    assert rendered_length(message.parts) <= 2000
    text = message.plain
    assert "New requests (840):" in text and "• and 83" in text  # 840 minus the shown
    assert "Status changes (77):" in text
    assert (
        text.splitlines()[-1]
        == "940 new items (840 requests, 100 feedback): 900 internal, 40 external."
    )


def test_a_tiny_limit_still_gives_counts_not_a_failed_post() -> None:
    message = compose_digest(busy_week(), UTC_ZONE, 600)
    assert rendered_length(message.parts) <= 600
    assert "• 840 in all" in message.plain and "• 400 in all" in message.plain


def test_the_period_is_shown_in_the_reminders_zone() -> None:
    facts = RoadmapFacts(
        since=datetime(2025, 3, 2, 23, 30, tzinfo=UTC),
        until=datetime(2025, 3, 9, 23, 30, tzinfo=UTC),
    )
    message = compose_digest(facts, ZoneInfo("Europe/Berlin"), 2000)
    assert message.plain.startswith("Roadmap update, Mon 03 Mar to Mon 10 Mar")
