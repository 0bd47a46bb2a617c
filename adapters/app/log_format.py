"""``LOG_FORMAT=json``: one JSON object per line, for log collectors. The keys: ``time`` (UTC,
ISO 8601), ``level``, ``logger``, ``message``; and when the line was written while an event was
handled (adapters/log_context.py): ``platform``, ``workspace``, ``event``, ``event_id``,
``delivery_id`` and ``duration_ms`` (since the handling began); ``worker`` with several worker
processes; ``error`` with the traceback of a failure. The message is the same text as in the
plain format, after the folding filters (adapters/app/log_folding.py) have had their say."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from adapters.log_context import current


class JsonFormatter(logging.Formatter):
    def __init__(self, worker: int | None = None) -> None:
        super().__init__()
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._worker is not None:
            line["worker"] = self._worker
        handling = current()
        if handling is not None:
            line["platform"] = handling.platform
            if handling.workspace is not None:
                line["workspace"] = handling.workspace
            line["event"] = handling.event
            if handling.event_id is not None:
                line["event_id"] = handling.event_id
            if handling.delivery_id is not None:
                line["delivery_id"] = handling.delivery_id
            line["duration_ms"] = round((time.monotonic() - handling.began) * 1000, 1)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["error"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
