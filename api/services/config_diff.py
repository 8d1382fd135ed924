"""What a target runs against what it should run, file by file, for the console: the live
version (the one its sidecar last reported applied) is rendered again from the document
versions it was made of, both sides with receiver secrets shown as `<secret>`.

The sidecar reports only digests of what is on disk, so a hand edit (drift) shows as a flag
and the disk digest, not as contents: Alertmanager files on disk hold clear secrets.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlmodel import Session, select

from api.services import config_render as render
from store.models import ConfigTarget, ConfigTargetVersion, ConfigVersion


@dataclass(frozen=True)
class FileDiff:
    name: str
    change: str  # added | removed | changed | same
    diff: str


@dataclass(frozen=True)
class TargetDiff:
    target: str
    desired_version: int
    live_version: int
    live_known: bool
    live_note: str  # why the live files are not known ("" when they are)
    in_sync: bool
    drift: bool
    disk_digest: str
    live_digest: str
    files: list[FileDiff] = field(default_factory=list)


def target_diff(session: Session, target: ConfigTarget) -> TargetDiff:
    desired = render.masked(session, target)
    live, note = live_files(session, target)
    names = sorted(set(desired) | set(live or {}))
    files = [_file(n, (live or {}).get(n), desired.get(n), target) for n in names]
    return TargetDiff(
        target=target.name,
        desired_version=target.desired_version,
        live_version=target.live_version,
        live_known=live is not None,
        live_note=note,
        in_sync=bool(target.reported_at) and target.live_digest == target.desired_digest,
        drift=target.drift,
        disk_digest=target.disk_digest,
        live_digest=target.live_digest,
        files=files if live is not None else [],
    )


def live_files(session: Session, target: ConfigTarget) -> tuple[dict[str, str] | None, str]:
    """The live version's files (secrets masked), or None and why they are not known."""
    if target.reported_at is None:
        return None, "its sidecar has never reported"
    if target.live_version == 0:
        return {}, ""  # nothing applied yet
    query = select(ConfigTargetVersion).where(
        ConfigTargetVersion.target == target.name,
        ConfigTargetVersion.version == target.live_version,
    )
    made = session.exec(query).first()
    if made is None or made.digest != target.live_digest:
        return None, f"what made version {target.live_version} is not recorded"
    out = {}
    for source in made.sources:
        row = session.exec(
            select(ConfigVersion).where(
                ConfigVersion.document_id == source["document_id"],
                ConfigVersion.version == source["version"],
            )
        ).first()
        if row is None:
            return None, f"a document of version {target.live_version} was deleted"
        out[str(source["file"])] = row.text
    return out, ""


def _file(name: str, live: str | None, desired: str | None, target: ConfigTarget) -> FileDiff:
    if live == desired:
        return FileDiff(name, "same", "")
    before = (live or "").splitlines(keepends=True)
    after = (desired or "").splitlines(keepends=True)
    text = "".join(
        difflib.unified_diff(
            _ended(before), _ended(after),
            f"live v{target.live_version}/{name}" if live is not None else "/dev/null",
            f"desired v{target.desired_version}/{name}" if desired is not None else "/dev/null",
        )
    )  # fmt: skip
    change = "added" if live is None else "removed" if desired is None else "changed"
    return FileDiff(name, change, text)


def _ended(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines
