"""Manual triggers' contract: the path checked against an agent's roots (by the API), and
what ManualTriggerWorkflow takes and answers (started by name, see MANUAL_TRIGGER_WORKFLOW)."""

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

MANUAL_TRIGGER_WORKFLOW = "ManualTriggerWorkflow"

STARTED = "started"  # a new FileWorkflow runs the file
EXISTING = "existing"  # this exact file (same size and mtime) ran before: not run again
REFUSED = "refused"  # the host refused the path, or never answered


@dataclass
class ManualTriggerInput:
    agent_id: str
    host: str  # the agent's hostname, as it registered
    root: str
    rel_path: str
    host_queue: str  # sluice-host-<agent>
    task_queue: str  # where FileWorkflow runs (the central queue)


@dataclass
class ManualTriggerResult:
    status: str
    workflow_id: str = ""  # the FileWorkflow (and task) id, new or existing
    file_event_id: str = ""
    root: str = ""
    rel_path: str = ""
    size: int = 0
    error_class: str = ""
    error: str = ""


class PathRejected(ValueError):
    """A manual trigger naming a path outside the agent's roots; the message says why."""


@dataclass(frozen=True)
class ManualTarget:
    root: str
    rel_path: str


def manual_target(roots: Sequence[str], path: str) -> ManualTarget:
    """The root and relative path `path` names, or PathRejected.

    `path` is absolute and inside one of `roots`, or relative to a root (tried in order when
    `roots` has several; the first is used). `..` components are refused outright, before
    any normalisation, and so are absolute paths outside every root. Symlinks are checked
    again on the host, where the file is: the upload refuses one that escapes its root.
    """
    if not path or "\0" in path:
        raise PathRejected("path must be a non-empty file path")
    parts = PurePosixPath(path).parts
    if ".." in parts:
        raise PathRejected(f"path {path!r} contains '..'; give a path inside the agent's roots")
    clean_roots = [posixpath.normpath(root) for root in roots]
    if PurePosixPath(path).is_absolute():
        normal = posixpath.normpath(path)
        for root in clean_roots:
            if normal.startswith(root.rstrip("/") + "/"):
                return ManualTarget(root, normal[len(root.rstrip("/")) + 1 :])
        raise PathRejected(
            f"path {path!r} is outside the agent's roots ({', '.join(clean_roots) or 'none'})"
        )
    rel = posixpath.normpath(path)
    if rel in (".", ""):
        raise PathRejected(f"path {path!r} names a root, not a file")
    if not clean_roots:
        raise PathRejected("the agent has no roots")
    return ManualTarget(clean_roots[0], rel)
