"""Log lines as text or JSON, each carrying the ids of the work it belongs to.

`setup_logging` installs a filter on the root handlers that copies the current context ids
(request, workflow, task, agent; see `sluice.logs.context`) onto every record, so a file can
be followed across the agent, the workers and the API by one id.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from enum import StrEnum

from sluice.logs.context import FIELDS, ContextFilter

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)-16s %(message)s%(context)s"
NOISY = ("botocore", "urllib3", "httpx", "watchdog", "s3transfer")


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the context ids that are set,
    and exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The console format, with the context ids appended as `key=value`."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT, datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None)]
        record.context = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


def setup_logging(level: str = "INFO", log_format: str = LogFormat.text) -> None:
    """Log to stderr in `log_format`, with context ids; quiet the chatty libraries."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
    use_log_format(log_format)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("temporalio").setLevel(logging.WARNING)


def use_log_format(kind: str) -> None:
    """Switch the root logger's handlers to `kind` ("json" or "text")."""
    formatter = JsonFormatter() if kind == LogFormat.json else TextFormatter()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
