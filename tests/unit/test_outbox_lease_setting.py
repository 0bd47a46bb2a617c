"""``OUTBOX_LEASE_SECONDS``: how long a claim on an owed message keeps other processes off it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.app.settings import load_settings
from bot.errors import ConfigError


def test_the_lease_is_half_a_minute_unless_set() -> None:
    assert load_settings({}).outbox_lease == timedelta(seconds=30)
    assert load_settings({"OUTBOX_LEASE_SECONDS": "120"}).outbox_lease == timedelta(minutes=2)


@pytest.mark.parametrize("value", ["0", "soon", "3601"])
def test_a_wrong_lease_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        load_settings({"OUTBOX_LEASE_SECONDS": value})
