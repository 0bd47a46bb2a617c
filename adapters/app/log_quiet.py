"""What the libraries say that an operator need not read: quiet unless ``LOG_LEVEL=DEBUG``.

- Alembic's INFO lines (its plugins, "Context impl SQLiteImpl.") came with every migration
  check; the schema's own line (storage/schema.py) says when the schema changes.
- APScheduler's "Running job" and "executed successfully" lines came every minute, for the
  reminders' sync and the SLA check; its warnings (a job skipped, say) stay.
- Bolt warns that the bot token "will be unused" because ``SLACK_BOT_TOKEN`` is set and the
  app authorizes each workspace itself (adapters/slack/identity.py), which does use it.
- httpx logs a line at INFO for every request it makes ("HTTP Request: POST ... 204"): one
  per webhook sent, 3,341 lines for 3,333 webhooks in a run of bench/webhooks.py; failures are
  said by the webhook dispatcher and the trackers themselves.
- discord.py warns that voice is not supported without PyNaCl and davey; the bot has no voice.

Libraries are named by their loggers' names, so that configuring the log imports none of them.
"""

from __future__ import annotations

import logging

QUIET_BELOW_WARNING = ("alembic", "apscheduler", "httpx")

# (logger name prefix, words of the message) of warnings that mislead.
MISLEADING = (
    ("slack_bolt", "`token` will be unused"),
    ("slack_bolt", "`token` (or SLACK_BOT_TOKEN env variable) will be ignored"),
    ("discord", "voice will NOT be supported"),
)


class DropMisleading(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            return True
        message = record.getMessage()
        return not any(
            record.name.startswith(name) and words in message for name, words in MISLEADING
        )


def quiet_libraries() -> None:
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(logging.WARNING)
