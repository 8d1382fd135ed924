"""Host-bound archive: delete the source or move it, never leaving the watched roots."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from temporalio import activity

from activities.errors import failure
from activities.upload import checked_file
from sluice.contracts import ArchiveRequest, ArchiveResult
from sluice.paths import OutsideRootError, owning_root, resolve_in_root


class ArchiveActivities:
    def __init__(self, roots: Sequence[Path]) -> None:
        self._roots = [root.resolve() for root in roots]

    @activity.defn(name="archive_file")
    def archive_file(self, req: ArchiveRequest) -> ArchiveResult:
        """Delete or move the uploaded file; a retry after success finds the work done."""
        try:
            source = resolve_in_root(owning_root(self._roots, req.root), req.rel_path)
        except OutsideRootError as exc:
            raise failure("invalid_input", str(exc)) from None
        target = self._target(req) if req.action == "move" else None
        if not source.exists():
            if req.action == "delete" or (target is not None and target.exists()):
                return ArchiveResult(req.action, str(target or ""))
            raise failure("not_found", f"{source} is gone and was not archived")
        checked_file(self._roots, req.root, req.rel_path, req.expected_size, req.expected_mtime_ns)
        if target is None:
            source.unlink()
            return ArchiveResult("delete")
        if target.exists():
            raise failure("conflict", f"{target} already exists; not overwriting it")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        return ArchiveResult("move", str(target))

    def _target(self, req: ArchiveRequest) -> Path:
        destination = Path(req.to).resolve()
        if not any(destination.is_relative_to(root) for root in self._roots):
            raise failure(
                "invalid_input",
                f"archive destination {req.to} is outside this agent's roots "
                f"({', '.join(map(str, self._roots))})",
            )
        return destination / req.rel_path
