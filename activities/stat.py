"""Host-bound stat: the size and mtime of a manually triggered file (they make its workflow id)."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from temporalio import activity

from activities.errors import failure, os_failure
from sluice.paths import OutsideRootError, owning_root, resolve_in_root


@dataclass
class StatRequest:
    root: str
    rel_path: str


@dataclass
class StatResult:
    """The file as the agent's watcher would have detected it (same root string and key)."""

    root: str
    rel_path: str
    size: int
    mtime_ns: int
    detected_at: str


class StatActivities:
    """Runs on `sluice-host-<agent>`: only this host can see the file."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self._roots = [root.resolve() for root in roots]

    @activity.defn(name="stat_file")
    def stat_file(self, req: StatRequest) -> StatResult:
        """Stat a regular file inside one of this host's roots; symlinks may not leave it.

        Refusals are permanent (`invalid_input`, `not_found`, `auth`): asking again cannot
        help, so a manual trigger is answered at once with the reason.
        """
        try:
            root = owning_root(self._roots, req.root)
            target = resolve_in_root(root, req.rel_path)
        except OutsideRootError as exc:
            raise failure("invalid_input", str(exc)) from None
        named = root / req.rel_path
        try:
            st = target.stat()
        except FileNotFoundError:
            raise failure("not_found", f"{named} does not exist") from None
        except OSError as exc:  # too long a name, not a directory, a loop, no permission
            raise os_failure(exc, named) from None
        if not stat.S_ISREG(st.st_mode):
            raise failure("invalid_input", f"{named} is not a regular file")
        return StatResult(
            root=str(root),
            rel_path=PurePosixPath(req.rel_path).as_posix(),
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            detected_at=datetime.now(UTC).isoformat(),
        )
