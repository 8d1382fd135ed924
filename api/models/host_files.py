"""Host views of an agent's files, as the API shows them (the agent answers in
sluice/contracts/host_files.py; these add where each file is and what Sluice did with it)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HostPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1,
        max_length=4096,
        description="Absolute and inside one of the agent's roots, or relative to its first "
        "root; `..` is refused.",
    )


class HostFileEntry(BaseModel):
    name: str
    path: str = Field(description="Absolute path on the agent's host.")
    type: Literal["dir", "file", "link_out", "other"] = Field(
        description="`link_out`: a symlink leading out of the roots (not followed)."
    )
    size: int | None = None
    mtime: str | None = None
    watched: bool = Field(default=False, description="The agent's filters would ship it.")
    shipped: bool = Field(default=False, description="Sluice has detected and run this file.")
    task_id: str | None = Field(default=None, description="Its latest task, if any.")
    task_status: str | None = None


class HostDirPage(BaseModel):
    agent_id: str
    path: str = Field(description="The directory listed; empty for the list of roots.")
    root: str = Field(description="Its root; empty for the list of roots.")
    entries: list[HostFileEntry]
    next_cursor: str | None = None
    cut: bool = Field(default=False, description="Only the first 100 000 entries were read.")


class HostLines(BaseModel):
    agent_id: str
    path: str
    lines: list[str]
    offset: int = Field(description="Where a follow continues (bytes).")
    inode: int
    size: int
    cut_lines: int = Field(description="Lines longer than 2000 characters, shown cut.")
    partial: bool = Field(description="Only the file's last 512 KiB were read.")


class HostMatch(BaseModel):
    line: int
    text: str


class HostSearch(BaseModel):
    agent_id: str
    path: str
    query: str
    regex: bool
    matches: list[HostMatch]
    bytes_read: int
    lines_read: int
    complete: bool
    stopped_by: Literal["", "bytes", "matches", "time"] = Field(
        description="Which bound stopped the search early, if one did."
    )


class FileAnalysisPublic(BaseModel):
    agent_id: str
    path: str
    summary: str
    severity: str
    key_errors: list[str]
    causes: list[str]
    suggestions: list[str]
    confidence: float
    used_lines: int
    truncated: bool
    degraded: bool = Field(description="The LLM was unavailable: the built-in analyzer answered.")
    error_class: str
    model: str
    elapsed_ms: int
