"""``feedbackbot stats``: KPIs from the database, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run_cli


def test_stats_count_what_the_console_recorded(clean_env: dict[str, str], tmp_path: Path) -> None:
    env = {**clean_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'kpis.db'}"}
    typed = "/feedback great\n/request must-have: SSO\n"
    assert run_cli("console", "--name", "alice", env=env, cwd=tmp_path, typed=typed).status == 0
    as_json = run_cli(
        "stats", "--format", "json", "--workspace", "console:local", env=env, cwd=tmp_path
    )
    assert as_json.status == 0, as_json.stderr
    stats = json.loads(as_json.stdout)
    assert stats["items"] == 2 and stats["by_status"] == {"new": 2}
    assert stats["by_priority"] == {"must-have": 1, "none": 1}
    assert stats["to_acknowledge"]["count"] == 2 and stats["workspace"] == "console:local"
    text = run_cli("stats", "--since", "2000-01-01", env=env, cwd=tmp_path)
    assert text.status == 0, text.stderr
    assert "items: 2" in text.stdout and "time to acknowledge: median" in text.stdout


def test_seal_key_prints_a_usable_key(clean_env: dict[str, str], tmp_path: Path) -> None:
    printed = run_cli("seal-key", env=clean_env, cwd=tmp_path)
    assert printed.status == 0, printed.stderr
    env = {
        **clean_env,
        "FEEDBACKBOT_SEAL_KEY": printed.stdout.strip(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sealed.db'}",
    }
    stats = run_cli("stats", env=env, cwd=tmp_path)
    assert stats.status == 0, stats.stderr
    assert "items: 0" in stats.stdout
