"""Host views of an agent's files: which root a path is in, what Sluice shipped of a
directory, and how many follows may run at once."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from sqlmodel import Session, col, select

from store.models import FileEvent, Task


class PathRefused(ValueError):
    pass


@dataclass(frozen=True)
class Located:
    root: str
    rel_path: str  # "" for the root itself

    @property
    def path(self) -> str:
        return posixpath.join(self.root, self.rel_path) if self.rel_path else self.root


def locate(roots: Sequence[str], path: str) -> Located:
    """The root `path` is in and the path under it; PathRefused if it is outside every root.

    Absolute paths name a root or a path inside one; relative ones are under the first root.
    `..` is refused before any normalisation; the host checks symlinks again.
    """
    if not path or "\0" in path:
        raise PathRefused("path must not be empty")
    if ".." in PurePosixPath(path).parts:
        raise PathRefused(f"path {path!r} contains '..'; give a path inside the agent's roots")
    clean = [posixpath.normpath(root) for root in roots]
    if not clean:
        raise PathRefused("the agent has not reported any roots")
    if not PurePosixPath(path).is_absolute():
        rel = posixpath.normpath(path)
        return Located(clean[0], "" if rel == "." else rel)
    normal = posixpath.normpath(path)
    for root in clean:
        if normal == root:
            return Located(root, "")
        if normal.startswith(root.rstrip("/") + "/"):
            return Located(root, normal[len(root.rstrip("/")) + 1 :])
    raise PathRefused(f"path {path!r} is outside the agent's roots ({', '.join(clean)})")


@dataclass(frozen=True)
class Shipped:
    task_id: str | None
    task_status: str | None


def shipped(
    session: Session, *, agent_id: str, root: str, rel_paths: Sequence[str]
) -> dict[str, Shipped]:
    """The files of `rel_paths` Sluice detected on this agent, each with its latest task."""
    if not rel_paths:
        return {}
    rows = session.exec(
        select(FileEvent.rel_path, Task.id, Task.status, Task.created_at)
        .join(Task, col(Task.file_event_id) == FileEvent.id, isouter=True)
        .where(FileEvent.agent_id == agent_id, FileEvent.root == root)
        .where(col(FileEvent.rel_path).in_(list(rel_paths)))
    ).all()
    found: dict[str, tuple[Shipped, datetime | None]] = {}
    for rel_path, task_id, status, created in rows:
        known = found.get(rel_path)
        newer = known is None or (created is not None and (known[1] is None or created > known[1]))
        if newer:
            found[rel_path] = (Shipped(task_id, str(status) if status else None), created)
    return {rel_path: pair[0] for rel_path, pair in found.items()}


class TooManyFollows(Exception):
    pass


@dataclass
class FollowSlot:
    """One open follow; released once, whichever of the stream's end or the response's
    clean-up comes first."""

    limits: FollowLimits
    agent_id: str
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.limits.running[self.agent_id] -= 1
            if self.limits.running[self.agent_id] <= 0:
                del self.limits.running[self.agent_id]


@dataclass
class FollowLimits:
    """Live follows per agent and per API process; a flood of viewers gets 429."""

    per_agent: int = 20
    total: int = 100
    max_seconds: float = 30 * 60.0
    poll_seconds: float = 1.0  # one shared poll per followed file (api/services/follow_hub.py)
    viewer_events: int = 60  # events waiting for one viewer; more ends its stream (too_slow)
    viewer_chars: int = 2_000_000  # characters of lines waiting for one viewer, likewise
    running: Counter[str] = field(default_factory=Counter)

    def take(self, agent_id: str) -> FollowSlot:
        """A slot for one more follow of `agent_id`; TooManyFollows over either limit."""
        if self.running[agent_id] >= self.per_agent:
            raise TooManyFollows(
                f"{self.per_agent} follows of agent {agent_id} are open already; close one"
            )
        if sum(self.running.values()) >= self.total:
            raise TooManyFollows(f"{self.total} follows are open on this API already")
        self.running[agent_id] += 1
        return FollowSlot(self, agent_id)
