"""Survey answers and polls written straight into a database, for checking the KPIs, the digest
and the pages against a history whose answers are known.

The rows are written with SQLAlchemy Core into the tables of migration 0013, as the survey
store keeps them: one answer per person per item and per poll, a later one replacing the
earlier (``answered_at`` then being the later moment)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.identity import Workspace
from bot.items import Stakeholder
from bot.surveys import ANONYMOUS_REQUESTER, Role, Scale, ShipAnswer
from storage.tables import items, survey_answers, survey_poll_answers, survey_polls, workspaces


async def _workspace_id(conn: AsyncConnection, workspace: Workspace) -> int:
    workspace_id: int = (
        await conn.execute(
            select(workspaces.c.id).where(
                workspaces.c.platform == workspace.platform.value,
                workspaces.c.external_id == workspace.id,
            )
        )
    ).scalar_one()
    return workspace_id


async def answer_shipped(
    engine: AsyncEngine,
    workspace: Workspace,
    number: int,
    respondent: str,
    answer: ShipAnswer,
    at: datetime,
    *,
    role: Role = Role.VOTER,
    comment: str | None = None,
) -> None:
    """``respondent``'s answer about item ``number`` (which must exist), replacing theirs;
    ``ANONYMOUS_REQUESTER`` answers for an anonymous item's requester, with no user id."""
    async with engine.begin() as conn:
        workspace_id = await _workspace_id(conn, workspace)
        item_id = (
            await conn.execute(
                select(items.c.id).where(
                    items.c.workspace_id == workspace_id, items.c.number == number
                )
            )
        ).scalar_one()
        values = {"answer": answer.value, "answered_at": at}
        if comment is not None:
            values["comment"] = comment
        replaced = await conn.execute(
            update(survey_answers)
            .where(survey_answers.c.item_id == item_id, survey_answers.c.respondent == respondent)
            .values(**values)
        )
        if replaced.rowcount:
            return
        anonymous = respondent == ANONYMOUS_REQUESTER
        await conn.execute(
            survey_answers.insert().values(
                workspace_id=workspace_id,
                item_id=item_id,
                respondent=respondent,
                user_id=None if anonymous else respondent,
                role=Role.REQUESTER.value if anonymous else role.value,
                comment=comment,
                **values,
            )
        )


async def open_poll(
    engine: AsyncEngine,
    workspace: Workspace,
    question: str,
    scheduled_for: datetime,
    scale: Scale = Scale.FIVE,
    channel_id: str = "C-PULSE",
) -> int:
    """A posted occurrence of a pulse survey (of no reminder still kept); its id."""
    async with engine.begin() as conn:
        poll_id: int = (
            await conn.execute(
                survey_polls.insert()
                .values(
                    workspace_id=await _workspace_id(conn, workspace),
                    channel_id=channel_id,
                    question=question,
                    scale=scale.value,
                    scheduled_for=scheduled_for,
                    created_at=scheduled_for,
                )
                .returning(survey_polls.c.id)
            )
        ).scalar_one()
    return poll_id


async def answer_poll(
    engine: AsyncEngine,
    poll_id: int,
    user_id: str,
    value: int,
    at: datetime,
    stakeholder: Stakeholder = Stakeholder.INTERNAL,
) -> None:
    """``user_id``'s answer to the poll, replacing theirs."""
    async with engine.begin() as conn:
        values = {"value": value, "answered_at": at, "stakeholder": stakeholder.value}
        replaced = await conn.execute(
            update(survey_poll_answers)
            .where(
                survey_poll_answers.c.poll_id == poll_id,
                survey_poll_answers.c.user_id == user_id,
            )
            .values(**values)
        )
        if not replaced.rowcount:
            await conn.execute(
                survey_poll_answers.insert().values(poll_id=poll_id, user_id=user_id, **values)
            )
