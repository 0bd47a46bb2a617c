"""Survey answers and polls kept through the survey store (``SqlSurveyStore``, each in a unit
of work of its own), for checking the KPIs, the digest and the pages against a history whose
answers are known: one answer per person per item and per poll, a later one replacing the
earlier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Workspace
from bot.items import Stakeholder
from bot.surveys import (
    ANONYMOUS_REQUESTER,
    Poll,
    PollAnswer,
    Role,
    Scale,
    ShipAnswer,
    ShippedAnswer,
)
from storage.unit_of_work import SqlStorage


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
    anonymous = respondent == ANONYMOUS_REQUESTER
    async with SqlStorage(engine).unit_of_work() as uow:
        await uow.surveys.answer_shipped(
            ShippedAnswer(
                workspace=workspace,
                number=number,
                respondent=respondent,
                user_id=None if anonymous else respondent,
                role=Role.REQUESTER if anonymous else role,
                answer=answer,
                answered_at=at,
                comment=comment,
            )
        )
        await uow.commit()


async def open_poll(
    engine: AsyncEngine,
    workspace: Workspace,
    question: str,
    scheduled_for: datetime,
    scale: Scale = Scale.FIVE,
    channel_id: str = "C-PULSE",
) -> int:
    """A posted occurrence of a pulse survey (of no reminder still kept); its id."""
    async with SqlStorage(engine).unit_of_work() as uow:
        poll = await uow.surveys.open_poll(
            Poll(workspace, channel_id, question, scale, scheduled_for, created_at=scheduled_for)
        )
        await uow.commit()
    assert poll.id is not None
    return poll.id


async def answer_poll(
    engine: AsyncEngine,
    poll_id: int,
    user_id: str,
    value: int,
    at: datetime,
    stakeholder: Stakeholder = Stakeholder.INTERNAL,
) -> None:
    """``user_id``'s answer to the poll, replacing theirs."""
    async with SqlStorage(engine).unit_of_work() as uow:
        await uow.surveys.answer_poll(PollAnswer(poll_id, user_id, stakeholder, value, at))
        await uow.commit()
