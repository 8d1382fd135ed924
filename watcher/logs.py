"""JSON or text log lines for the agent (`agent.log_format`)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sluice.runtime import LOG_FORMAT


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, and exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_log_format(kind: str) -> None:
    """Switch the root logger's handlers to `kind` ("json" or "text")."""
    formatter = (
        JsonFormatter() if kind == "json" else logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S")
    )
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
