"""What a tracker's state means as a status: the defaults, and the overrides of
``TRACKER_STATUS_MAP``."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import ConfigError
from bot.items import Status
from bot.trackers import IssueState

# Jira resolutions that mean the work will not be done.
DECLINING_RESOLUTIONS = frozenset(
    {
        "won't do",
        "wont do",
        "won't fix",
        "wont fix",
        "declined",
        "duplicate",
        "cannot reproduce",
        "can't reproduce",
        "rejected",
        "not a bug",
        "obsolete",
        "incomplete",
    }
)
# GitHub state_reason values of a closed issue that mean the work will not be done.
DECLINING_REASONS = frozenset({"not_planned", "duplicate"})


def _fold(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").lower().split())


class StateMap:
    """Tracker states to statuses.

    Defaults: GitHub open -> planned, closed+completed -> shipped, closed+not_planned ->
    declined, closed (no reason) -> shipped, reopened -> planned; Jira by status category
    new -> planned, indeterminate -> planned, done -> shipped (done with a resolution named
    like Won't Do/Won't Fix/Declined/Duplicate/Cannot Reproduce -> declined). Per-project
    status names override them: ``{("jira", "PROJ"): {"In Pilot": in_pilot}}``, with ``"*"``
    for every project of a tracker; a state is looked up as ``seen`` (``closed:not_planned``)
    then as its bare state (``closed``), case-insensitively. Which default applies is told by
    the state's shape (a status category or not), so a new tracker needs no new rule."""

    def __init__(self, overrides: Mapping[tuple[str, str], Mapping[str, Status]] | None = None):
        self._overrides = {
            (tracker.lower(), _project_key(tracker, project)): {
                _fold(state): status for state, status in states.items()
            }
            for (tracker, project), states in (overrides or {}).items()
        }

    def status_for(self, state: IssueState) -> Status | None:
        """The status the item should have while its issue is in ``state``; ``None`` when
        the state means no particular status."""
        tracker = state.ref.tracker.lower()
        for project in (_project_key(tracker, state.ref.project), "*"):
            names = self._overrides.get((tracker, project))
            if not names:
                continue
            for token in (state.seen, state.state):
                if _fold(token) in names:
                    return names[_fold(token)]
        return _default_status(state)

    @classmethod
    def parse(cls, text: str) -> StateMap:
        """``TRACKER_STATUS_MAP``: entries ``tracker:project:state=status`` separated by
        ``;``, e.g. ``jira:PROJ:In Pilot=in_pilot; jira:*:Blocked=under_review;
        github:*:closed:not_planned=declined``. Raises ``ConfigError`` naming the entry."""
        overrides: dict[tuple[str, str], dict[str, Status]] = {}
        for entry in text.split(";"):
            if not entry.strip():
                continue
            left, sep, right = entry.rpartition("=")
            parts = [part.strip() for part in left.split(":", 2)]
            if not sep or len(parts) != 3 or not all(parts):
                raise ConfigError(
                    "TRACKER_STATUS_MAP",
                    f"{entry.strip()!r} is not tracker:project:state=status "
                    "(e.g. jira:PROJ:In Pilot=in_pilot)",
                )
            tracker, project, state = parts
            try:
                status = Status.parse(right)
            except ValueError:
                known = ", ".join(each.value for each in Status if each is not Status.DUPLICATE)
                raise ConfigError(
                    "TRACKER_STATUS_MAP",
                    f"{right.strip()!r} in {entry.strip()!r} is not a status ({known})",
                ) from None
            if status is Status.DUPLICATE:
                raise ConfigError(
                    "TRACKER_STATUS_MAP",
                    f"{entry.strip()!r}: a duplicate names the item it duplicates, which a "
                    "tracker state cannot",
                )
            overrides.setdefault((tracker.lower(), project), {})[state] = status
        return cls(overrides)


def _project_key(tracker: str, project: str) -> str:
    # Jira keys are upper case and GitHub names are case-insensitive: compare them folded.
    return project if project == "*" else project.lower()


def _default_status(state: IssueState) -> Status | None:
    if state.category is not None:
        category = state.category.lower()
        if category == "done":
            if state.reason and _fold(state.reason) in DECLINING_RESOLUTIONS:
                return Status.DECLINED
            return Status.SHIPPED
        if category in ("new", "indeterminate"):
            return Status.PLANNED
        return None
    if state.open:
        return Status.PLANNED
    if state.reason and state.reason.lower() in DECLINING_REASONS:
        return Status.DECLINED
    return Status.SHIPPED
