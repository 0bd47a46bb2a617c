"""The export row: every field of an item, flat, the same for CSV and JSON."""

from __future__ import annotations

from datetime import datetime

from bot.items import Item
from bot.surveys import ExportedAnswer

FIELDS = (
    "workspace",
    "number",
    "kind",
    "text",
    "author_id",
    "author_name",
    "anonymous",
    "stakeholder",
    "priority",
    "status",
    "duplicate_of",
    "votes",
    "channel_id",
    "created_at",
    "acknowledged_at",
    "status_changed_at",
)

ExportValue = str | int | bool | None
# One item's export values in ``FIELDS`` order: what ``export_row`` gives, without the names.
ExportRow = tuple[ExportValue, ...]


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_row(item: Item) -> dict[str, ExportValue]:
    """An anonymous item exports an empty author: there is nothing else to export."""
    return {
        "workspace": str(item.workspace),
        "number": item.number,
        "kind": item.kind.value,
        "text": item.text,
        "author_id": item.author.user_id if item.author else None,
        "author_name": item.author.display_name if item.author else None,
        "anonymous": item.anonymous,
        "stakeholder": item.stakeholder.value,
        "priority": item.priority.value if item.priority else None,
        "status": item.status.value,
        "duplicate_of": item.duplicate_of,
        "votes": item.votes,
        "channel_id": item.channel_id,
        "created_at": _when(item.created_at),
        "acknowledged_at": _when(item.acknowledged_at),
        "status_changed_at": _when(item.status_changed_at),
    }


# -- survey answers (issue 18): ``feedbackbot export --what answers`` ----------------------------

ANSWER_FIELDS = (
    "workspace",
    "survey",
    "number",
    "poll_id",
    "question",
    "scheduled_for",
    "user_id",
    "role",
    "stakeholder",
    "answer",
    "comment",
    "answered_at",
)


def answer_row(answer: ExportedAnswer) -> dict[str, ExportValue]:
    """``survey`` ``shipped`` fills ``number`` and ``role`` (``stakeholder`` is the item's);
    ``pulse`` fills ``poll_id``, ``question`` and ``scheduled_for`` (``stakeholder`` is the
    answerer's). ``user_id`` is empty for every answer about an anonymous item."""
    return {
        "workspace": str(answer.workspace),
        "survey": answer.survey,
        "number": answer.number,
        "poll_id": answer.poll_id,
        "question": answer.question,
        "scheduled_for": _when(answer.scheduled_for),
        "user_id": answer.user_id,
        "role": answer.role,
        "stakeholder": answer.stakeholder,
        "answer": answer.answer,
        "comment": answer.comment,
        "answered_at": _when(answer.answered_at),
    }
