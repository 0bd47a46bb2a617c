"""The roadmap digest: what a workspace heard and decided since the previous update.

A digest lists new requests (must-haves first), status changes that matter to stakeholders
(planned, in pilot, shipped, declined), the open requests with most votes, the must-haves still
waiting for triage, the SLA breaches not yet handled (an item past its SLA and still new is
listed in every digest until it is triaged), and how many items came from internal and external
stakeholders. A quiet period says so in one line. Long lists end with "and N more", and the
whole digest is cut to the platform's size, never posted too long. The last line, quiet or
not, gives the result of the newest pulse survey posted, when the workspace runs one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.issue_links import IssueRef
from bot.items import Priority, Stakeholder, Status
from bot.kpis import PollResult, answers_counted, poll_mean
from bot.messages import Message, Part, Plain, Quote
from bot.presenting import issue_parts
from bot.slas import Breach
from bot.text import excerpt

# Status changes worth telling stakeholders about; the moves in between are triage's business.
ANNOUNCED = frozenset({Status.PLANNED, Status.IN_PILOT, Status.SHIPPED, Status.DECLINED})
LIST_LIMIT = 5
EXCERPT = 60


@dataclass(frozen=True, slots=True)
class ItemLine:
    number: int
    text: str
    priority: Priority | None
    stakeholder: Stakeholder
    status: Status
    votes: int
    created_at: datetime
    # The tracker issues the item is linked to.
    links: tuple[IssueRef, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusMove:
    number: int
    text: str
    to_status: Status
    at: datetime
    links: tuple[IssueRef, ...] = ()


@dataclass(frozen=True, slots=True)
class RoadmapFacts:
    """What storage found; each list holds at most a few entries and its ``*_total`` the rest."""

    since: datetime
    until: datetime
    new_requests: list[ItemLine] = field(default_factory=list)
    new_requests_total: int = 0
    moves: list[StatusMove] = field(default_factory=list)
    moves_total: int = 0
    top_voted: list[ItemLine] = field(default_factory=list)
    waiting_must_haves: list[ItemLine] = field(default_factory=list)
    waiting_total: int = 0
    new_items: dict[Stakeholder, int] = field(default_factory=dict)
    new_feedback: int = 0
    # Open SLA breaches (items still new past their SLA), oldest deadline first; all of them.
    breaches: list[Breach] = field(default_factory=list)
    # The newest pulse survey occurrence posted in the workspace before ``until`` (issue 18).
    last_poll: PollResult | None = None

    @property
    def quiet(self) -> bool:
        return not sum(self.new_items.values()) and not self.moves_total and not self.breaches


def _cost(parts: list[Part]) -> int:
    # What people typed may double when a platform escapes it; our own words never grow.
    # A digest names nobody, so it holds no mentions.
    return sum(
        len(p.text) * 2 if isinstance(p, Quote) else len(p.text) if isinstance(p, Plain) else 0
        for p in parts
    )


@dataclass
class _Section:
    title: str
    total: int
    lines: list[list[Part]]
    counted: bool = True
    shown: int = 0

    def render(self) -> list[Part]:
        if not self.lines:
            return []
        count = f" ({self.total})" if self.counted else ""
        out: list[Part] = [Plain(f"\n{self.title}{count}:")]
        for line in self.lines[: self.shown]:
            out += [Plain("\n• "), *line]
        rest = self.total - self.shown
        if rest > 0:
            out.append(Plain(f"\n• and {rest} more" if self.shown else f"\n• {rest} in all"))
        return out


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b")


def compose_digest(facts: RoadmapFacts, zone: ZoneInfo, max_length: int) -> Message:
    """The digest as one message no longer than ``max_length`` (quotes counted double)."""
    period = f"{_day(facts.since, zone)} to {_day(facts.until, zone)}"
    survey = _poll_line(facts.last_poll, zone) if facts.last_poll else []
    if facts.quiet:
        quiet = Message.of(
            f"Roadmap update, {period}: a quiet period, with no new feedback or requests and "
            "no status changes."
        )
        return Message((*quiet.parts, *survey))
    sections = [
        _Section(
            "New requests",
            facts.new_requests_total,
            [_request_line(line) for line in facts.new_requests],
        ),
        _Section(
            "Status changes",
            facts.moves_total,
            [_move_line(move) for move in facts.moves],
        ),
        _Section(
            "Most wanted open requests",
            len(facts.top_voted),
            [_voted_line(line) for line in facts.top_voted],
            counted=False,
        ),
        _Section(
            "Must-haves waiting for triage",
            facts.waiting_total,
            [_waiting_line(line, zone) for line in facts.waiting_must_haves],
        ),
        _Section(
            "SLA missed, still waiting for triage",
            len(facts.breaches),
            [_breach_line(breach, zone) for breach in facts.breaches[:LIST_LIMIT]],
        ),
    ]
    internal = facts.new_items.get(Stakeholder.INTERNAL, 0)
    external = facts.new_items.get(Stakeholder.EXTERNAL, 0)
    total = internal + external
    head: list[Part] = [Plain(f"Roadmap update, {period}")]
    tail: list[Part] = [
        Plain(
            f"\n{total} new item{'s' if total != 1 else ''} "
            f"({facts.new_requests_total} request{'s' if facts.new_requests_total != 1 else ''}, "
            f"{facts.new_feedback} feedback): {internal} internal, {external} external."
        ),
        *survey,
    ]
    for section in sections:
        section.shown = len(section.lines)
    fixed = _cost(head) + _cost(tail)

    def length() -> int:
        return fixed + sum(_cost(s.render()) for s in sections)

    # Shorten the longest list first, one line at a time, until the digest fits.
    while length() > max_length and any(s.shown for s in sections):
        longest = max(sections, key=lambda s: (s.shown, _cost(s.render())))
        longest.shown -= 1
    parts = head + [p for s in sections for p in s.render()] + tail
    return Message(tuple(parts))


def _stakes(line: ItemLine) -> str:
    priority = f"{line.priority.value}, " if line.priority else ""
    return f"{priority}{line.stakeholder.value}"


def _request_line(line: ItemLine) -> list[Part]:
    return [
        Plain(f"#{line.number} “"),
        Quote(excerpt(line.text, EXCERPT)),
        Plain(f"” ({_stakes(line)})"),
        *_issues(line.links),
    ]


def _move_line(move: StatusMove) -> list[Part]:
    return [
        Plain(f"#{move.number} “"),
        Quote(excerpt(move.text, EXCERPT)),
        Plain(f"” is now {move.to_status.label}"),
        *_issues(move.links),
    ]


def _voted_line(line: ItemLine) -> list[Part]:
    votes = f"{line.votes} vote{'s' if line.votes != 1 else ''}"
    return [
        Plain(f"#{line.number} “"),
        Quote(excerpt(line.text, EXCERPT)),
        Plain(f"” · {votes} · {line.status.label}"),
        *_issues(line.links),
    ]


def _waiting_line(line: ItemLine, zone: ZoneInfo) -> list[Part]:
    return [
        Plain(f"#{line.number} “"),
        Quote(excerpt(line.text, EXCERPT)),
        Plain(f"” ({line.stakeholder.value}, since {_day(line.created_at, zone)})"),
        *_issues(line.links),
    ]


def _breach_line(breach: Breach, zone: ZoneInfo) -> list[Part]:
    priority = f"{breach.priority.value}, " if breach.priority else ""
    return [
        Plain(f"#{breach.number} “"),
        Quote(excerpt(breach.text, EXCERPT)),
        Plain(f"” ({priority}{breach.stakeholder.value}, due {_day(breach.deadline, zone)})"),
    ]


def _poll_line(poll: PollResult, zone: ZoneInfo) -> list[Part]:
    """``Last pulse survey (Mon 01 Dec): “…” mean 4.2 of 5 from 12 answers (internal 4.5,
    external 3.5).``"""
    total = poll.total
    if not total.answers:
        result = "no answers yet"
    else:
        mean = poll_mean(poll, total)
        if poll.scale == "1-5":
            mean = f"mean {mean} of 5"
        answers = answers_counted(total.answers)
        kinds = ", ".join(
            f"{kind} {poll_mean(poll, split)}"
            for kind, split in poll.by_stakeholder.items()
            if split.answers
        )
        result = f"{mean} from {answers}" + (f" ({kinds})" if kinds else "")
    return [
        Plain(f"\nLast pulse survey ({_day(poll.scheduled_for, zone)}): “"),
        Quote(excerpt(poll.question, EXCERPT)),
        Plain(f"” {result}."),
    ]


def _issues(links: tuple[IssueRef, ...]) -> list[Part]:
    """`` · GitHub acme/infra#12 (https://...)`` for each issue the item is linked to."""
    parts: list[Part] = []
    for ref in links:
        parts.append(Plain(" · "))
        parts += [Plain(p) if isinstance(p, str) else p for p in issue_parts(ref)]
    return parts
