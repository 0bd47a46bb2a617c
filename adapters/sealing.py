"""``bot.ports.Seal`` with Fernet (AES-128-CBC and HMAC-SHA256) from the ``cryptography`` package.

``FEEDBACKBOT_SEAL_KEY`` holds one or more comma-separated Fernet keys: the first seals, every
one opens, so a key can be rotated by putting the new one first and dropping the old one once
the items it sealed are settled.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import ConfigError

SEAL_VARIABLE = "FEEDBACKBOT_SEAL_KEY"


class FernetSeal:
    def __init__(self, keys: str) -> None:
        try:
            fernets = [Fernet(key.strip()) for key in keys.split(",") if key.strip()]
        except ValueError:
            raise ConfigError(
                SEAL_VARIABLE,
                "expected Fernet keys (32 url-safe base64-encoded bytes); make one with "
                "`feedbackbot seal-key`",
            ) from None
        if not fernets:
            raise ConfigError(SEAL_VARIABLE, "empty")
        self._fernet = MultiFernet(fernets)

    def seal(self, user_id: str) -> str:
        return self._fernet.encrypt(user_id.encode()).decode("ascii")

    def open(self, handle: str) -> str | None:
        try:
            return self._fernet.decrypt(handle.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            return None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
