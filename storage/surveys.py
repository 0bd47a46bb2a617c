"""``SurveyStore`` on SQLAlchemy Core: the answers to "Did this solve it?", the polls survey
reminders posted and their answers, on SQLite and PostgreSQL.

An answer is kept by inserting it and, when the person's row is there already (the unique key
on item and respondent, or on poll and person, says so), by reading that row locked and
updating it. On PostgreSQL two presses of one person racing each other are so serialised on
the row: the second waits for the first to commit, then replaces it and reports what it
replaced; SQLite's writers run one at a time anyway. A first answer is one statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.surveys import (
    ANONYMOUS_REQUESTER,
    ExportedAnswer,
    Poll,
    PollAnswer,
    Role,
    Scale,
    ShipAnswer,
    ShippedAnswer,
)
from storage.dialect import insert_ignoring_duplicates
from storage.paging import keyset_pages
from storage.rows import stored, utc
from storage.tables import (
    items,
    survey_answers,
    survey_poll_answers,
    survey_polls,
    workspaces,
)
from storage.workspaces import WorkspaceIds

# Answers read per query of an export: each page is found again from the last row read, so an
# export never holds more than one page in memory.
EXPORT_PAGE = 1000


class SqlSurveyStore:
    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    # -- after shipping ---------------------------------------------------------------------

    async def answer_shipped(self, answer: ShippedAnswer) -> ShippedAnswer | None:
        item_id = await self._item_id(answer.workspace, answer.number)
        # The store keeps no user id for an anonymous item's requester whatever it is handed.
        user_id = None if answer.respondent == ANONYMOUS_REQUESTER else answer.user_id
        values = {
            "role": answer.role.value,
            "answer": answer.answer.value,
            "user_id": user_id,
            "answered_at": stored(answer.answered_at),
        }
        inserted = await self._conn.execute(
            insert_ignoring_duplicates(
                self._conn.dialect,
                survey_answers,
                workspace_id=await self._workspaces.find(answer.workspace),
                item_id=item_id,
                respondent=answer.respondent,
                comment=answer.comment,
                **values,
            ).returning(survey_answers.c.id)
        )
        if inserted.first() is not None:
            return None
        mine = (
            survey_answers.c.item_id == item_id,
            survey_answers.c.respondent == answer.respondent,
        )
        row = (
            await self._conn.execute(select(*_ANSWER_COLUMNS).where(*mine).with_for_update())
        ).one()
        before = _shipped(row, answer.workspace, answer.number)
        if before.answer is answer.answer:
            # The same answer again (a repeated delivery, a second click): it was given when
            # it was first given.
            del values["answered_at"]
        if answer.comment is not None:
            values["comment"] = answer.comment
        await self._conn.execute(update(survey_answers).where(*mine).values(**values))
        return before

    async def shipped_answer(
        self, workspace: Workspace, number: int, respondent: str
    ) -> ShippedAnswer | None:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return None
        row = (
            await self._conn.execute(
                select(*_ANSWER_COLUMNS).where(
                    survey_answers.c.item_id == item_id,
                    survey_answers.c.respondent == respondent,
                )
            )
        ).one_or_none()
        return None if row is None else _shipped(row, workspace, number)

    async def comment_shipped(
        self, workspace: Workspace, number: int, respondent: str, comment: str
    ) -> ShippedAnswer | None:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return None
        row = (
            await self._conn.execute(
                update(survey_answers)
                .where(
                    survey_answers.c.item_id == item_id,
                    survey_answers.c.respondent == respondent,
                )
                .values(comment=comment)
                .returning(*_ANSWER_COLUMNS)
            )
        ).one_or_none()
        return None if row is None else _shipped(row, workspace, number)

    async def _item_id(self, workspace: Workspace, number: int) -> int:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            raise LookupError(f"no item #{number} in {workspace} to keep an answer about")
        return item_id

    # -- pulse surveys ------------------------------------------------------------------------

    async def open_poll(self, poll: Poll) -> Poll:
        values = {
            "workspace_id": await self._workspaces.make(poll.workspace),
            "reminder_id": poll.reminder_id,
            "channel_id": poll.channel_id,
            "question": poll.question,
            "scale": poll.scale.value,
            "scheduled_for": stored(poll.scheduled_for),
            "created_at": stored(poll.created_at),
        }
        if poll.reminder_id is None:
            # Not a reminder's occurrence: nothing to be kept once only.
            opened = insert(survey_polls).values(**values).returning(survey_polls.c.id)
            return replace(poll, id=(await self._conn.execute(opened)).scalar_one())
        inserted = (
            await self._conn.execute(
                insert_ignoring_duplicates(self._conn.dialect, survey_polls, **values).returning(
                    survey_polls.c.id
                )
            )
        ).first()
        if inserted is not None:
            return replace(poll, id=inserted.id)
        kept = await self._poll_where(
            survey_polls.c.reminder_id == poll.reminder_id,
            survey_polls.c.scheduled_for == stored(poll.scheduled_for),
        )
        assert kept is not None, "a duplicate occurrence is kept"
        return kept

    async def poll(self, poll_id: int) -> Poll | None:
        return await self._poll_where(survey_polls.c.id == poll_id)

    async def _poll_where(self, *where: Any) -> Poll | None:
        row = (
            await self._conn.execute(
                select(survey_polls, workspaces.c.platform, workspaces.c.external_id)
                .join(workspaces, workspaces.c.id == survey_polls.c.workspace_id)
                .where(*where)
            )
        ).one_or_none()
        if row is None:
            return None
        return Poll(
            workspace=Workspace(Platform(row.platform), row.external_id),
            channel_id=row.channel_id,
            question=row.question,
            scale=Scale(row.scale),
            scheduled_for=utc(row.scheduled_for),
            created_at=utc(row.created_at),
            reminder_id=row.reminder_id,
            id=row.id,
        )

    async def answer_poll(self, answer: PollAnswer) -> int | None:
        values = {
            "stakeholder": answer.stakeholder.value,
            "value": answer.value,
            "answered_at": stored(answer.answered_at),
        }
        inserted = await self._conn.execute(
            insert_ignoring_duplicates(
                self._conn.dialect,
                survey_poll_answers,
                poll_id=answer.poll_id,
                user_id=answer.user_id,
                **values,
            ).returning(survey_poll_answers.c.id)
        )
        if inserted.first() is not None:
            return None
        mine = (
            survey_poll_answers.c.poll_id == answer.poll_id,
            survey_poll_answers.c.user_id == answer.user_id,
        )
        before: int = (
            await self._conn.execute(
                select(survey_poll_answers.c.value).where(*mine).with_for_update()
            )
        ).scalar_one()
        if before == answer.value:
            # The same answer again: counted once, as given the first time.
            return before
        await self._conn.execute(update(survey_poll_answers).where(*mine).values(**values))
        return before

    # -- export ---------------------------------------------------------------------------------

    async def export(self, workspace: Workspace) -> AsyncIterator[ExportedAnswer]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return
        shipped = (
            select(
                items.c.number,
                items.c.author_id,
                items.c.stakeholder,
                survey_answers.c.id,
                survey_answers.c.user_id,
                survey_answers.c.role,
                survey_answers.c.answer,
                survey_answers.c.comment,
                survey_answers.c.answered_at,
            )
            .select_from(survey_answers.join(items, items.c.id == survey_answers.c.item_id))
            .where(survey_answers.c.workspace_id == workspace_id)
        )
        shipped_key = (items.c.number, survey_answers.c.answered_at, survey_answers.c.id)
        async for row in keyset_pages(self._conn, shipped, shipped_key, EXPORT_PAGE):
            # An anonymous item (no author kept) exports no one's id: not its requester's, and
            # not its voters', whose ids next to its answers could tell who cared about it.
            anonymous = row.author_id is None
            yield ExportedAnswer(
                workspace=workspace,
                survey="shipped",
                answer=row.answer,
                answered_at=utc(row.answered_at),
                user_id=None if anonymous else row.user_id,
                role=row.role,
                stakeholder=row.stakeholder,
                number=row.number,
                comment=row.comment,
            )
        pulse = (
            select(
                survey_poll_answers.c.poll_id,
                survey_polls.c.question,
                survey_polls.c.scale,
                survey_polls.c.scheduled_for,
                survey_poll_answers.c.id,
                survey_poll_answers.c.user_id,
                survey_poll_answers.c.stakeholder,
                survey_poll_answers.c.value,
                survey_poll_answers.c.answered_at,
            )
            .select_from(
                survey_poll_answers.join(
                    survey_polls, survey_polls.c.id == survey_poll_answers.c.poll_id
                )
            )
            .where(survey_polls.c.workspace_id == workspace_id)
        )
        pulse_key = (
            survey_poll_answers.c.poll_id,
            survey_poll_answers.c.answered_at,
            survey_poll_answers.c.id,
        )
        async for row in keyset_pages(self._conn, pulse, pulse_key, EXPORT_PAGE):
            yield ExportedAnswer(
                workspace=workspace,
                survey="pulse",
                answer=Scale(row.scale).label(row.value),
                answered_at=utc(row.answered_at),
                user_id=row.user_id,
                stakeholder=row.stakeholder,
                poll_id=row.poll_id,
                question=row.question,
                scheduled_for=utc(row.scheduled_for),
            )


_ANSWER_COLUMNS = (
    survey_answers.c.respondent,
    survey_answers.c.user_id,
    survey_answers.c.role,
    survey_answers.c.answer,
    survey_answers.c.comment,
    survey_answers.c.answered_at,
)


def _shipped(row: Any, workspace: Workspace, number: int) -> ShippedAnswer:
    return ShippedAnswer(
        workspace=workspace,
        number=number,
        respondent=row.respondent,
        user_id=row.user_id,
        role=Role(row.role),
        answer=ShipAnswer(row.answer),
        answered_at=utc(row.answered_at),
        comment=row.comment,
    )
