"""Signing in to the dashboard from chat: one-time links, sessions, and the key that signs
cookies.

Nobody has an account. A person asks for a link in chat (``/roadmap dashboard``) or an operator
makes one (``feedbackbot dashboard link``); the link works once, for ``LINK_LIFETIME``, and
opens a session in the workspace it was asked in, with the role the person had there at that
moment. Only hashes of links and sessions are stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.identity import Person, Workspace

if TYPE_CHECKING:
    from bot.ports import Clock, UnitOfWorkFactory

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
# Where the dashboard is when nothing says otherwise: ``feedbackbot run``'s default port.
DEFAULT_DASHBOARD_URL = "http://127.0.0.1:3000"
KEY_BYTES = 32
# Used links and ended sessions are kept this long after they expire, then removed: for a day a
# reused link is still told apart from one that never existed.
KEPT_AFTER_EXPIRY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is signed in, where, and with which role."""

    workspace: Workspace
    person: Person
    admin: bool


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in visitor. ``token`` is the raw secret that goes in the cookie; only its hash
    is ever stored."""

    token: str
    visitor: Visitor
    expires_at: datetime


class LinkRefused(StrEnum):
    """Why a sign-in link signs nobody in."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def signin_url(dashboard_url: str, token: str) -> str:
    """The link a person opens to sign in with ``token``."""
    return f"{dashboard_url}/signin/{token}"


def token_hash(token: str) -> str:
    """What is stored of a link's or a session's token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class AccessStore(Protocol):
    """Sign-in links, sessions and the signing key, each link and session known only by the
    hash of its token. A visitor's workspace is made when it is new."""

    async def add_link(
        self, hashed: str, visitor: Visitor, at: datetime, expires_at: datetime
    ) -> None:
        """Store a link, made ``at``, that signs ``visitor`` in until ``expires_at``."""
        ...

    async def use_link(self, hashed: str, at: datetime) -> Visitor | LinkRefused:
        """Use the link: its visitor, the first time it is used before it expires. Of two
        uses at once, however many processes make them, exactly one gets the visitor."""
        ...

    async def add_session(
        self, hashed: str, visitor: Visitor, at: datetime, expires_at: datetime
    ) -> None:
        """Store a session of ``visitor``, opened ``at``, that lasts until ``expires_at``."""
        ...

    async def session(self, hashed: str, at: datetime) -> Visitor | None:
        """The session's visitor; ``None`` when it is unknown, ended or expired at ``at``."""
        ...

    async def end_session(self, hashed: str) -> None:
        """End the session; ending one that is unknown changes nothing."""
        ...

    async def prune(self, before: datetime) -> None:
        """Remove links and sessions that expired before ``before``."""
        ...

    async def signing_key(self, made: bytes, at: datetime) -> bytes:
        """The signing key: the one stored, or ``made``, stored ``at``, when there is none. Two
        processes asking at once both get the one that was stored first."""
        ...


class DashboardAccess:
    """Sign-in links, sessions and the key that signs the dashboard's cookies."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        session_lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._session_lifetime = session_lifetime
        self._key: bytes | None = None

    async def link(self, workspace: Workspace, person: Person, *, admin: bool) -> str:
        """A new one-time token that signs ``person`` in to ``workspace``'s dashboard (as an
        admin when ``admin``) within ``LINK_LIFETIME``. Links and sessions long expired are
        removed on the way."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.access.prune(now - KEPT_AFTER_EXPIRY)
            visitor = Visitor(workspace, person, admin)
            await uow.access.add_link(token_hash(token), visitor, now, now + LINK_LIFETIME)
            await uow.commit()
        return token

    async def sign_in(self, token: str) -> Session | LinkRefused:
        """Use the link once and open a session for its visitor; why not, when it was used
        before, has expired, or was never made."""
        now = self._clock.now()
        session_token = secrets.token_urlsafe(32)
        expires_at = now + self._session_lifetime
        async with self._uow() as uow:
            used = await uow.access.use_link(token_hash(token), now)
            if isinstance(used, LinkRefused):
                return used
            await uow.access.add_session(token_hash(session_token), used, now, expires_at)
            await uow.commit()
        return Session(session_token, used, expires_at)

    async def visitor(self, session_token: str) -> Visitor | None:
        """Who the session signs in; ``None`` when it is unknown, expired or signed out."""
        async with self._uow() as uow:
            return await uow.access.session(token_hash(session_token), self._clock.now())

    async def sign_out(self, session_token: str) -> None:
        """End the session, for good."""
        async with self._uow() as uow:
            await uow.access.end_session(token_hash(session_token))
            await uow.commit()

    async def signing_key(self) -> bytes:
        """The key that signs cookies: made once and kept in the database, so that every
        process signs alike and a restart signs nobody out; read once per process."""
        if self._key is None:
            async with self._uow() as uow:
                made = secrets.token_bytes(KEY_BYTES)
                key = await uow.access.signing_key(made, self._clock.now())
                await uow.commit()
            self._key = key
        return self._key
