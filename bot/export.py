"""The export row: every field of an item, flat, the same for CSV and JSON."""

from __future__ import annotations

from datetime import datetime

from bot.items import Item

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
