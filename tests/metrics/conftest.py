"""``feedbackbot run`` in this process as the composition root starts it (``serving``), with a
fixed clock, the fake Slack Web API and a real SQLite file; ``GET /metrics`` scraped and parsed
as Prometheus parses it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.app.composition import App, open_app
from adapters.app.serving import Serving, serving
from adapters.app.settings import load_settings
from tests.fakes import FixedClock
from tests.slack.conftest import SECRET, TRIAGE, fake_slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender


class Samples(dict[tuple[str, frozenset[tuple[str, str]]], float]):
    """A scrape's samples by name and labels."""

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when there is none (Prometheus shows a counter only once it
        has counted)."""
        return self.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples named ``name`` whose labels include ``labels``."""
        wanted = set(labels.items())
        return sum(v for (n, got), v in self.items() if n == name and wanted <= got)

    def labels_of(self, name: str) -> list[dict[str, str]]:
        return [dict(got) for (n, got) in self if n == name]


def parse(text: str) -> Samples:
    samples = Samples()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def scrape(base: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{base}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(answer.text)


@dataclass
class Bot:
    app: App
    served: Serving
    fake: FakeSlack
    clock: FixedClock
    slack: SlackSender

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.served.port}"

    async def scrape(self, token: str | None = None) -> Samples:
        return await scrape(self.base, token)


def environment(fake: FakeSlack, database_url: str, **more: str) -> dict[str, str]:
    return {
        **fake_slack_settings(fake, database_url),
        "PORT": "0",
        # Every scrape reads the database afresh.
        "METRICS_CACHE_SECONDS": "0",
        **more,
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "alice", "T1", display_name="Alice")
        fake.add_user("U2", "bob", "T1", display_name="Bob")
        fake.add_channel("C1")
        fake.add_channel(TRIAGE)
        yield fake


@asynccontextmanager
async def running_bot(
    fake: FakeSlack, database_url: str, more: Mapping[str, str] | None = None
) -> AsyncIterator[Bot]:
    settings = load_settings(environment(fake, database_url, **(more or {})))
    clock = FixedClock()
    async with open_app(settings, clock, metrics=True) as app, serving(app) as served:
        base = f"http://127.0.0.1:{served.port}"
        yield Bot(
            app, served, fake, clock, SlackSender(base, SECRET, response_url=fake.response_url())
        )


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def bot(fake: FakeSlack, database_url_for_test: str) -> AsyncIterator[Bot]:
    """The bot on SQLite and on PostgreSQL."""
    async with running_bot(fake, database_url_for_test) as running:
        yield running
