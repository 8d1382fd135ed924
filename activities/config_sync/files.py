"""The sidecar's config directory: atomic writes, the previous version kept, and a state file
saying which files Sluice wrote and which version of them is live.

Layout under `config_dir`: the managed files themselves, and `.sluice/` with `state.json`
(the live version, its digest and file names, the last error) and `previous/` (the files an
apply replaced, restored if the new version does not take). Only a write under way leaves
anything else at the top: `.<name>.<random>.sluice-tmp`, renamed over `<name>` at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sluice.contracts.config_sync import ConfigFile, files_digest

SLUICE_DIR = ".sluice"
BACKUP_MANIFEST = ".sluice-backup.json"


@dataclass
class LiveState:
    """What Sluice last applied and verified here (version 0: nothing yet)."""

    version: int = 0
    digest: str = ""
    files: list[str] = field(default_factory=list)  # the names Sluice wrote: only these it removes
    applied_at: str | None = None
    error: str = ""
    pending: str = ""  # the digest of an apply under way: set, the backup is already taken


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` so a reader (or a crash) sees the old file or the new one, never part.

    The temp file lives in the same directory (rename is atomic only within a filesystem),
    is fsynced before the rename, and the directory is fsynced after it.
    """
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sluice-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_name(name: str) -> None:
    """A managed file is a plain name in the directory, never one of Sluice's own."""
    if (
        not name
        or "/" in name
        or "\0" in name
        or name in {".", ".."}
        or name.startswith(SLUICE_DIR)
        or name.endswith(".sluice-tmp")
    ):
        raise ValueError(f"{name!r} is not a plain file name the config agent may write")


class ConfigDir:
    """The managed files of one target in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.own = root / SLUICE_DIR
        self.previous = self.own / "previous"
        self.state_file = self.own / "state.json"

    def ensure(self) -> None:
        self.own.mkdir(parents=True, exist_ok=True)

    # -- state -------------------------------------------------------------------------------

    def state(self) -> LiveState:
        try:
            raw = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return LiveState()
        return LiveState(**{k: v for k, v in raw.items() if k in LiveState.__dataclass_fields__})

    def save_state(self, state: LiveState) -> None:
        self.ensure()
        write_atomic(self.state_file, json.dumps(asdict(state), indent=2).encode())

    def read(self, names: list[str]) -> list[ConfigFile]:
        """The named files as they are on disk now (missing ones left out)."""
        found = []
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                found.append(ConfigFile(name, (self.root / name).read_text()))
        return found

    def disk_digest(self, state: LiveState) -> str:
        """The digest of the live version's files as they are on disk now."""
        return files_digest(self.read(state.files))

    # -- an apply ----------------------------------------------------------------------------

    def back_up(self, names: list[str]) -> None:
        """Copy the named files (those an apply will replace or remove) to `.sluice/previous/`,
        noting which did not exist, so `restore` can put the directory back as it was."""
        shutil.rmtree(self.previous, ignore_errors=True)
        self.previous.mkdir(parents=True)
        absent = []
        for name in names:
            source = self.root / name
            if source.is_file():
                write_atomic(self.previous / name, source.read_bytes())
            else:
                absent.append(name)
        write_atomic(
            self.previous / BACKUP_MANIFEST, json.dumps({"absent": sorted(absent)}).encode()
        )

    def write(self, files: list[ConfigFile], remove: list[str]) -> None:
        """Write `files` atomically, then remove `remove` (files of the old version only)."""
        for f in files:
            write_atomic(self.root / f.name, f.content.encode())
        for name in remove:
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()
        fsync_dir(self.root)

    def backed_up(self) -> list[str]:
        """The names of the files `back_up` saved."""
        return sorted(p.name for p in self.previous.iterdir() if p.name != BACKUP_MANIFEST)

    def restore(self) -> None:
        """Put back what `back_up` saved: each file as it was, and no file that was absent."""
        manifest = json.loads((self.previous / BACKUP_MANIFEST).read_text())
        for saved in sorted(self.previous.iterdir()):
            if saved.name != BACKUP_MANIFEST:
                write_atomic(self.root / saved.name, saved.read_bytes())
        for name in manifest["absent"]:
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()
        fsync_dir(self.root)
