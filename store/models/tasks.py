"""Files, the tasks they started, and each task's steps and step attempts."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from store.models.common import (
    bigint_field,
    created_at_field,
    json_field,
    optional_time_field,
    status_field,
)
from store.models.status import StepStatus, TaskStatus


class FileEventBase(SQLModel):
    agent_id: str
    host: str
    root: str
    rel_path: str
    name: str
    size: int = bigint_field()
    mtime_ns: int = bigint_field()
    sha256: str | None = None
    detected_at: datetime = created_at_field()


class FileEvent(FileEventBase, table=True):
    __tablename__ = "file_events"
    # Newest first, alone or for one agent (api/services/file_events.py says which serves what);
    # a directory's files by path, for the host views' "shipped" badges (services/host_files.py).
    __table_args__: Any = (
        Index("ix_file_events_detected_at_id", "detected_at", "id"),
        Index("ix_file_events_agent_id_detected_at_id", "agent_id", "detected_at", "id"),
        Index("ix_file_events_agent_id_root_rel_path", "agent_id", "root", "rel_path"),
    )

    id: str = Field(primary_key=True)
    dedup_key: str = Field(unique=True)


class FileEventPublic(FileEventBase):
    id: str


class TaskBase(SQLModel):
    workflow_id: str
    run_id: str = ""
    agent_id: str | None = None
    rule_id: int | None = None
    rule_version: int | None = None
    status: TaskStatus = status_field(TaskStatus.pending)
    bucket: str = ""
    object_key: str = ""
    sha256: str = ""
    size: int | None = bigint_field(nullable=True)
    error: str = ""
    error_class: str = ""
    created_at: datetime = created_at_field()
    started_at: datetime | None = optional_time_field()
    finished_at: datetime | None = optional_time_field()
    updated_at: datetime = created_at_field()
    retry_of: str | None = Field(default=None, foreign_key="tasks.id")


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    # One (filter, created_at, id) index per equality filter of the task list, so each
    # filter with newest-first order is an index range scan (see api/services/tasks.py).
    __table_args__: Any = (
        Index("ix_tasks_created_at_id", "created_at", "id"),
        Index("ix_tasks_status_created_at_id", "status", "created_at", "id"),
        Index("ix_tasks_agent_id_created_at_id", "agent_id", "created_at", "id"),
        Index("ix_tasks_rule_id_created_at_id", "rule_id", "created_at", "id"),
        Index("ix_tasks_error_class_created_at_id", "error_class", "created_at", "id"),
        Index("ix_tasks_updated_at", "updated_at"),  # the live-events feed (api/services/live.py)
    )

    id: str = Field(primary_key=True)
    file_event_id: str | None = Field(default=None, foreign_key="file_events.id", index=True)

    file_event: Optional["FileEvent"] = Relationship()
    steps: list["TaskStep"] = Relationship(
        back_populates="task", sa_relationship_kwargs={"order_by": "TaskStep.id"}
    )


class TaskPublic(TaskBase):
    """A task as listed: the row plus where its object is and where its history is."""

    id: str
    file_event_id: str | None
    host: str | None = None
    rel_path: str | None = None
    object_url: str | None = None
    temporal_url: str


class TaskStepBase(SQLModel):
    name: str
    step_type: str
    status: StepStatus = status_field(StepStatus.pending)
    attempts: int = 0
    error: str = ""
    error_class: str = ""
    started_at: datetime | None = optional_time_field()
    finished_at: datetime | None = optional_time_field()
    duration_ms: int = 0
    summary: dict[str, str] = json_field()


class TaskStep(TaskStepBase, table=True):
    __tablename__ = "task_steps"
    __table_args__: Any = (UniqueConstraint("task_id", "name", name="uq_task_steps_task_id_name"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(foreign_key="tasks.id", ondelete="CASCADE")

    task: Task = Relationship(back_populates="steps")
    attempt_rows: list["TaskAttempt"] = Relationship(
        back_populates="step", sa_relationship_kwargs={"order_by": "TaskAttempt.attempt"}
    )


class TaskAttemptBase(SQLModel):
    attempt: int
    status: StepStatus = status_field(StepStatus.running)
    error_class: str = ""
    error: str = ""
    duration_ms: int = 0
    recorded_at: datetime = created_at_field()


class TaskAttempt(TaskAttemptBase, table=True):
    __tablename__ = "task_attempts"
    __table_args__: Any = (
        UniqueConstraint("step_id", "attempt", name="uq_task_attempts_step_id_attempt"),
    )

    id: int | None = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="task_steps.id", ondelete="CASCADE")

    step: TaskStep = Relationship(back_populates="attempt_rows")


class AttemptPublic(TaskAttemptBase):
    pass


class StepPublic(TaskStepBase):
    attempt_history: list[AttemptPublic]


class TaskRun(TaskPublic):
    """A task with every step it ran (one run of a file)."""

    steps: list[StepPublic]


class LinkedRun(SQLModel):
    """Another run of the same file: the one a retry followed, or a later retry."""

    id: str
    status: TaskStatus
    retry_of: str | None
    created_at: datetime


class TaskDetail(TaskRun):
    """One task with the file that started it, every step it ran, and the file's other runs."""

    file_event: FileEventPublic | None
    linked_runs: list[LinkedRun]


class TaskPage(SQLModel):
    items: list[TaskPublic]
    next_cursor: str | None
