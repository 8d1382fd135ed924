"""Keep every file operation inside the configured roots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath


class OutsideRootError(ValueError):
    """A path that would leave its watched root (`..`, absolute, or an escaping symlink), or
    one that cannot be resolved at all (a symlink loop)."""


def resolve_in_root(root: Path, rel_path: str) -> Path:
    """`root / rel_path` with symlinks resolved, refusing anything that ends up outside root."""
    rel = PurePosixPath(rel_path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutsideRootError(f"{rel_path!r} must be a relative path inside {root}")
    real_root = root.resolve()
    try:
        target = (real_root / rel).resolve()
    except (RuntimeError, OSError):  # pathlib's "Symlink loop" (RuntimeError before 3.13)
        raise OutsideRootError(f"{rel_path!r} cannot be resolved: a symlink loop (ELOOP)") from None
    if not target.is_relative_to(real_root):
        # Where it leads stays unsaid: the answer goes to whoever named the path.
        raise OutsideRootError(f"{rel_path!r} is outside the agent's roots (a symlink leads out)")
    return target


def owning_root(roots: Sequence[Path], root: str) -> Path:
    """The configured root equal to `root`; anything else is refused."""
    wanted = Path(root).resolve()
    for candidate in roots:
        if candidate.resolve() == wanted:
            return wanted
    raise OutsideRootError(f"{root} is not one of this agent's roots")
