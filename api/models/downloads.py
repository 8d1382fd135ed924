"""A presigned link to a task's stored object."""

from datetime import datetime

from sqlmodel import SQLModel


class TaskDownload(SQLModel):
    """Where the task's object is and a GET link to it that works until `expires_at`."""

    task_id: str
    bucket: str
    key: str
    size: int
    url: str
    expires_at: datetime
