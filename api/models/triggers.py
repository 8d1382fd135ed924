"""Manual triggers: what to run (a path on an agent, or a known file again) and what came of it."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ManualTrigger(BaseModel):
    """A file on an agent (`agent_id` + `path`), or a known file event to run again."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = Field(default=None, max_length=200)
    path: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="Absolute and inside one of the agent's roots, or relative to its first "
        "root; `..` is refused.",
    )
    file_event_id: str | None = Field(
        default=None, max_length=200, description="Run this file again, linked to its last run."
    )

    @model_validator(mode="after")
    def _one_form(self) -> "ManualTrigger":
        by_path = self.agent_id is not None or self.path is not None
        if self.file_event_id is not None and by_path:
            raise ValueError("give either agent_id and path, or file_event_id, not both")
        if self.file_event_id is None and (self.agent_id is None or self.path is None):
            raise ValueError("give agent_id and path (a file on that agent), or file_event_id")
        return self


class TriggerPublic(BaseModel):
    id: str | None = Field(
        description="The task (and FileWorkflow) id; null until the agent has answered."
    )
    status: Literal["started", "existing", "pending", "refused"] = Field(
        description="started: a new run; existing: this file (same size and mtime) ran "
        "before, `id` is that task; pending: the agent has not answered yet, follow "
        "`GET /tasks/triggers/{trigger_id}`; refused: see `detail`."
    )
    trigger_id: str | None = Field(description="The ManualTriggerWorkflow; null for re-runs.")
    agent_id: str
    root: str
    rel_path: str
    file_event_id: str | None = None
    retry_of: str | None = None
    detail: str = ""
