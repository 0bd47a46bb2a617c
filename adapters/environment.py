"""Reading settings people write in the environment; a wrong value raises ``ConfigError``
naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from io import StringIO
from pathlib import Path

from bot.errors import ConfigError

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(name, f"expected true or false, got {raw!r}")


def whole_number(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"expected a number from {low} to {high}, got {value}")
    return value


def read_environment(environ: Mapping[str, str], env_file: Path) -> dict[str, str]:
    """The process environment over an optional ``.env`` file: a variable set in the
    environment wins, so a deployment can always override the file."""
    merged: dict[str, str] = {}
    if env_file.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(stream=StringIO(_env_text(env_file)))
        merged.update({k: v for k, v in values.items() if v is not None})
    merged.update(environ)
    return merged


def _env_text(env_file: Path) -> str:
    """The file's text; a file that is not UTF-8 (saved as Latin-1 or UTF-16, say) is refused
    with where, rather than read as other variables than the ones written."""
    try:
        raw = env_file.read_bytes()
    except OSError as error:
        raise ConfigError(str(env_file), f"cannot be read ({error.strerror})") from None
    try:
        # A byte-order mark, as some editors save one, is not part of the first name.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        byte = raw[error.start]
        raise ConfigError(
            str(env_file), f"is not UTF-8 text (byte 0x{byte:02x} on line {line}); save it as UTF-8"
        ) from None
