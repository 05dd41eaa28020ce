"""Where minga's log lines go and how they look: stderr, text or one JSON object a line.

``minga <command> --log-level LEVEL --log-format text|json`` or the settings
``log_level`` and ``log_format`` (bot/config.py). The level defaults to ``info``
for ``minga run`` (a service's journal) and ``warning`` for the other commands,
whose own output is on stdout. JSON lines suit a log collector (journald's
``MESSAGE`` stays one line; Loki, Elasticsearch and the like read the fields):

    {"time": "2027-01-01T00:00:00.123+00:00", "level": "INFO", "logger": "minga",
     "message": "ran clearing for commune 1: 2026-12"}

plus ``"exception"`` (the traceback, as one string) when there is one.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries whose every request, tick or migration step would be a line: only their
#: warnings, unless the level is debug.
QUIET = ("apscheduler", "httpx", "aiohttp.access", "alembic")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["exception"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class _MingaHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler minga puts on the root logger (found and replaced on a second call).

    Without a stream of its own it writes to whatever ``sys.stderr`` is at the time,
    like logging's last resort (a test may redirect it around one call of ``main``)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._own = stream
        super().__init__(stream)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._own or sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._own = value if value is not sys.stderr else None


def configure(level: str = "info", form: str = "text", stream: TextIO | None = None) -> None:
    """Send every log record of ``level`` or above to ``stream`` (stderr) as ``form``."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _MingaHandler)]:
        root.removeHandler(old)
    handler = _MingaHandler(stream)
    handler.setFormatter(
        JsonFormatter() if form.lower() == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root.addHandler(handler)
    level = level.lower()
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # a library's warning is a log line too (JSON stays JSON)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "debug" else logging.WARNING)
