"""How files are shown: a listed file with its latest run, and a file's whole life."""

from datetime import datetime

from sqlmodel import SQLModel

from store.models.status import TaskStatus
from store.models.tasks import FileEventPublic, TaskRun


class FileEventSummary(FileEventPublic):
    """A file as listed: the event plus how many runs it had and how the newest went."""

    runs: int
    latest_task_id: str | None
    latest_status: TaskStatus | None


class FileEventPage(SQLModel):
    items: list[FileEventSummary]
    next_cursor: str | None


class TimelineEntry(SQLModel):
    """One moment in a file's life, oldest first.

    `event` is `detected` (the agent saw the file settle), `task.started` (a workflow run
    recorded itself; `message` names the run it retries), `step.attempt` (an attempt's last
    recorded transition: its outcome once finished), or `task.finished`.
    """

    at: datetime
    event: str
    task_id: str | None = None
    step: str | None = None
    attempt: int | None = None
    status: str = ""
    error_class: str = ""
    message: str = ""


class FileEventDetail(FileEventPublic):
    """A file, every run it had (retries link to the run they retry) and its timeline."""

    runs: list[TaskRun]
    timeline: list[TimelineEntry]
