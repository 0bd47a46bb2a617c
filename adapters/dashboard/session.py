"""The session cookie and the forms' CSRF tokens, both signed with the dashboard's key
(``DashboardAccess.signing_key``, the same in every process).

The cookie carries the session's raw token and an HMAC of it: a cookie that was not made here
is refused before the database is asked. A form's CSRF token is an HMAC of the session's token,
so it needs no storage, differs for every session, and cannot be made by another site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

COOKIE_NAME = "feedbackbot_session"
CSRF_FIELD = "csrf"


def _mac(key: bytes, purpose: str, token: str) -> str:
    digest = hmac.new(key, f"{purpose}:{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def cookie_value(key: bytes, session_token: str) -> str:
    """``{session_token}.{hmac}``: what the browser keeps."""
    return f"{session_token}.{_mac(key, 'session', session_token)}"


def session_token(key: bytes, cookie: str | None) -> str | None:
    """The session token in a cookie this dashboard signed; ``None`` for anything else."""
    if not cookie:
        return None
    token, dot, mac = cookie.rpartition(".")
    if not dot or not token:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(key, "session", token).encode()):
        return None
    return token


def csrf_token(key: bytes, session_token: str) -> str:
    """The token every POST form of this session carries."""
    return _mac(key, "csrf", session_token)


def csrf_valid(key: bytes, session_token: str, given: str | None) -> bool:
    """Whether a form's token is this session's (compared in constant time)."""
    if not given:
        return False
    return hmac.compare_digest(given.encode(), csrf_token(key, session_token).encode())
