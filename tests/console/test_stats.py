"""``feedbackbot stats``: KPIs from the database, as text or JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

from adapters.cli.main import main


def run(*argv: str, env: dict[str, str], typed: str = "") -> str:
    out = io.StringIO()
    assert main(list(argv), environ=env, stdin=io.StringIO(typed), stdout=out) == 0
    return out.getvalue()


def test_stats_count_what_the_console_recorded(clean_env: dict[str, str], tmp_path: Path) -> None:
    env = {**clean_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'kpis.db'}"}
    run("console", "--name", "alice", env=env, typed="/feedback great\n/request must-have: SSO\n")
    stats = json.loads(run("stats", "--format", "json", "--workspace", "console:local", env=env))
    assert stats["items"] == 2 and stats["by_status"] == {"new": 2}
    assert stats["by_priority"] == {"must-have": 1, "none": 1}
    assert stats["to_acknowledge"]["count"] == 2 and stats["workspace"] == "console:local"
    text = run("stats", "--since", "2000-01-01", env=env)
    assert "items: 2" in text and "time to acknowledge: median" in text


def test_seal_key_prints_a_usable_key(clean_env: dict[str, str], tmp_path: Path) -> None:
    key = run("seal-key", env=clean_env).strip()
    env = {
        **clean_env,
        "FEEDBACKBOT_SEAL_KEY": key,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sealed.db'}",
    }
    assert "items: 0" in run("stats", env=env)
