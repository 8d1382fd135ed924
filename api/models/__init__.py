"""Shapes only the API serves: file event pages and timelines, manual trigger bodies, downloads.

The tables and the shapes derived from them live in store.models.
"""

from api.models.downloads import TaskDownload
from api.models.file_events import (
    FileEventDetail,
    FileEventPage,
    FileEventSummary,
    TimelineEntry,
)
from api.models.triggers import ManualTrigger, TriggerPublic

__all__ = [
    "FileEventDetail",
    "FileEventPage",
    "FileEventSummary",
    "ManualTrigger",
    "TaskDownload",
    "TimelineEntry",
    "TriggerPublic",
]
