"""The session cookie's signature and the forms' CSRF tokens."""

from __future__ import annotations

from adapters.dashboard.session import cookie_value, csrf_token, csrf_valid, session_token

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def test_a_signed_cookie_gives_back_its_session_token() -> None:
    assert session_token(KEY, cookie_value(KEY, "abc-DEF_123")) == "abc-DEF_123"


def test_a_cookie_signed_with_another_key_is_refused() -> None:
    assert session_token(KEY, cookie_value(OTHER_KEY, "abc")) is None


def test_a_cookie_whose_token_was_changed_is_refused() -> None:
    _, mac = cookie_value(KEY, "abc").split(".")
    assert session_token(KEY, f"abd.{mac}") is None


def test_a_missing_or_unsigned_cookie_is_refused() -> None:
    assert session_token(KEY, None) is None
    assert session_token(KEY, "") is None
    assert session_token(KEY, "abc") is None
    assert session_token(KEY, ".abc") is None


def test_a_csrf_token_is_valid_only_for_its_own_session() -> None:
    token = csrf_token(KEY, "session-1")
    assert csrf_valid(KEY, "session-1", token)
    assert not csrf_valid(KEY, "session-2", token)
    assert not csrf_valid(OTHER_KEY, "session-1", token)
    assert not csrf_valid(KEY, "session-1", None)
    assert not csrf_valid(KEY, "session-1", "")
    assert not csrf_valid(KEY, "session-1", "é")
