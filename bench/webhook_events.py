"""The load of ``bench/webhooks.py``: item events made through the bot's own use cases, in a
process of their own, on the database a ``feedbackbot run`` delivers from.

Run by ``bench.webhooks`` as ``python -m bench.webhook_events ITEMS VOTED VOTES CONCURRENCY``
with the bot's settings in the environment (``DATABASE_URL`` above all). Each of
``CONCURRENCY`` tasks takes items in turn and submits a request in the console workspace
``console:local`` (``FeedbackService.submit``: on SQLite the group commit writes the item, its
thank-you and its ``item.created`` deliveries in one transaction); ``VOTED`` of the items,
spread evenly, then get ``VOTES`` votes, one after the other, from distinct people
(``FeedbackService.vote``: each vote and its ``item.voted`` delivery in one transaction). Votes
of one item are cast in order, so the receiver can tell an item's events apart by their vote
count and see whether they arrived in that order. Prints one JSON line: what was made, and
when the first and the last change were committed (wall clock).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from adapters.app.composition import open_app
from adapters.app.settings import load_settings
from bot.identity import Person, Platform, Workspace
from bot.items import ItemKind, Priority
from bot.service import Refused, Submission

WORKSPACE = Workspace(Platform.CONSOLE, "local")


async def fire(items: int, voted: int, votes: int, concurrency: int) -> dict[str, object]:
    made = {"items": 0, "votes": 0, "refused": 0}
    next_index = iter(range(items))
    first: list[float] = []
    spacing = max(1, items // voted) if voted else 0

    async with open_app(load_settings(dict(os.environ))) as app:
        feedback = app.core.feedback

        async def worker() -> None:
            for index in next_index:
                if not first:
                    first.append(time.time())
                outcome = await feedback.submit(
                    Submission(
                        workspace=WORKSPACE,
                        channel_id="general",
                        author=Person(f"console:author{index % 50}", f"author{index % 50}"),
                        kind=ItemKind.REQUEST,
                        text=f"whbench-{index:06d} make the webhooks fast",
                        priority=Priority.MUST_HAVE,
                    )
                )
                if isinstance(outcome, Refused) or outcome.number is None:
                    made["refused"] += 1
                    continue
                made["items"] += 1
                if not spacing or index % spacing or index // spacing >= voted:
                    continue
                for voter in range(votes):
                    await feedback.vote(
                        WORKSPACE, outcome.number, Person(f"console:voter{voter}", f"voter{voter}")
                    )
                    made["votes"] += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.monotonic() - began
        last = time.time()
    return {**made, "first_at": first[0] if first else None, "last_at": last, "seconds": took}


def main(argv: list[str]) -> int:
    items, voted, votes, concurrency = (int(each) for each in argv)
    print(json.dumps(asyncio.run(fire(items, voted, votes, concurrency))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
