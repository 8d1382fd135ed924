"""Which paths a host view may open: inside a root, symlinks included, and not hidden or
excluded by the agent's filters (the same FileFilter the watcher uses)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Protocol

from temporalio.exceptions import ApplicationError

from activities.errors import failure
from sluice.paths import OutsideRootError, owning_root, resolve_in_root


class ViewFilter(Protocol):
    """The agent's file filter as host views use it (watcher/filters.py FileFilter)."""

    def dir_excluded(self, rel_dir: str) -> bool: ...
    def excluded(self, rel_path: str) -> bool: ...
    def accepts(self, rel_path: str) -> bool: ...
    def accepts_size(self, size: int) -> bool: ...


class HiddenOnly:
    """Without the agent's filters (a bare host worker): hide dot files, ship everything."""

    def dir_excluded(self, rel_dir: str) -> bool:
        return any(part.startswith(".") for part in PurePosixPath(rel_dir).parts)

    def excluded(self, rel_path: str) -> bool:
        return self.dir_excluded(rel_path)

    def accepts(self, rel_path: str) -> bool:
        return not self.excluded(rel_path)

    def accepts_size(self, size: int) -> bool:
        return True


FilterSource = Callable[[], ViewFilter]


class HostPaths:
    """Resolves `(root, rel_path)` for a host view, or raises a permanent `invalid_input`."""

    def __init__(self, roots: Sequence[Path], file_filter: FilterSource | None = None) -> None:
        self._roots = [root.resolve() for root in roots]
        self.filter: FilterSource = file_filter or HiddenOnly

    def resolve(self, root: str, rel_path: str) -> tuple[Path, Path]:
        """The owning root and the resolved target; "" names the root itself."""
        try:
            owner = owning_root(self._roots, root)
            if rel_path in ("", "."):
                return owner, owner
            target = resolve_in_root(owner, rel_path)
        except OutsideRootError as exc:
            raise failure("invalid_input", str(exc)) from None
        if self.hidden(rel_path, is_dir=target.is_dir()):
            raise failure("invalid_input", f"{rel_path!r} is excluded by the agent's filters")
        return owner, target

    def hidden(self, rel_path: str, *, is_dir: bool) -> bool:
        """Hidden or excluded by the agent's filters (include filters only decide shipping)."""
        rel = PurePosixPath(rel_path).as_posix()
        rule = self.filter()
        return rule.dir_excluded(rel) if is_dir else rule.excluded(rel)

    def regular_file(self, root: str, rel_path: str) -> Path:
        """A regular file to read; directories and devices are refused."""
        _, target = self.resolve(root, rel_path)
        try:
            st = target.stat()
        except FileNotFoundError:
            raise failure("not_found", f"{rel_path} does not exist") from None
        except PermissionError:
            raise failure("auth", f"{rel_path}: permission denied") from None
        if not stat.S_ISREG(st.st_mode):
            raise failure("invalid_input", f"{rel_path} is not a regular file")
        return target


def binary_refusal(rel_path: str) -> ApplicationError:
    return failure("binary_file", f"{rel_path} looks binary (it has NUL bytes): not shown as text")


def looks_binary(chunk: bytes) -> bool:
    return b"\0" in chunk


def within(root: Path, path: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, RuntimeError):
        return False
