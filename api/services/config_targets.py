"""Config targets (a Prometheus, vmalert or Alertmanager with a sidecar beside it): what
applies to each, what its sidecar reports, and whether it is stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.services import config_render as render
from sluice.contracts.config_sync import RolloutInput, TargetStatus
from sluice.secretbox import SecretBox
from store.models import ConfigRollout, ConfigTarget, ConfigTargetVersion, utcnow

EDITABLE = ("labels", "rule_sets", "rule_set_labels", "alertmanager_config", "url")


class TargetConflict(Exception):
    """Another target has this name."""


def list_targets(session: Session) -> list[ConfigTarget]:
    return list(session.exec(select(ConfigTarget).order_by(col(ConfigTarget.name))))


def get_target(session: Session, *, name: str) -> ConfigTarget | None:
    return session.exec(select(ConfigTarget).where(ConfigTarget.name == name)).first()


def create_target(
    session: Session, *, fields: dict[str, Any], box: SecretBox
) -> tuple[ConfigTarget, list[RolloutInput]]:
    """Save a target and render what it gets; the rollouts to start (none if nothing applies)."""
    if get_target(session, name=fields["name"]) is not None:
        raise TargetConflict(f"target {fields['name']!r} exists already")
    target = ConfigTarget(**fields)
    session.add(target)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise TargetConflict(f"target {fields['name']!r} exists already") from None
    rollouts = render.refresh(session, [target], box)
    session.commit()
    session.refresh(target)
    return target, rollouts


def update_target(
    session: Session, target: ConfigTarget, *, fields: dict[str, Any], box: SecretBox
) -> list[RolloutInput]:
    for key in EDITABLE:
        if key in fields:
            setattr(target, key, fields[key])
    session.add(target)
    rollouts = render.refresh(session, [target], box)
    session.commit()
    session.refresh(target)
    return rollouts


def delete_target(session: Session, target: ConfigTarget) -> None:
    _drop_versions(session, target.name, below=None)
    session.delete(target)
    session.commit()


def store_status(session: Session, target: ConfigTarget, report: TargetStatus) -> None:
    """Keep the sidecar's report, with when it came."""
    target.reported_at = utcnow()
    target.live_version, target.live_digest = report.version, report.digest
    target.disk_digest, target.drift = report.disk_digest, report.drift
    target.applied_at = _time(report.applied_at) or target.applied_at
    target.error = report.error[:2000]
    session.add(target)
    _drop_versions(session, target.name, below=min(report.version, target.desired_version))
    session.commit()
    session.refresh(target)


@dataclass(frozen=True)
class Health:
    in_sync: bool  # live files are the desired ones
    stale: bool
    why: str  # why stale, "" if not


def health(target: ConfigTarget, *, now: datetime, stale_after: float) -> Health:
    """Stale: no report for `stale_after` seconds, or live behind desired that long."""
    limit = timedelta(seconds=stale_after)
    in_sync = target.live_digest == target.desired_digest and bool(target.reported_at)
    if target.reported_at is None:
        since = target.desired_at or target.created_at
        if now - since > limit:
            return Health(False, True, "its sidecar has never reported")
        return Health(False, False, "")
    if now - target.reported_at > limit:
        return Health(in_sync, True, f"no report since {target.reported_at.isoformat()}")
    behind = target.live_digest != target.desired_digest
    if behind and target.desired_at and now - target.desired_at > limit:
        why = f"live version {target.live_version} is not desired {target.desired_version}"
        return Health(False, True, why)
    return Health(in_sync, False, "")


def _drop_versions(session: Session, target: str, *, below: int | None) -> None:
    """Forget what made the target's versions older than `below` (all of them: None)."""
    query = delete(ConfigTargetVersion).where(col(ConfigTargetVersion.target) == target)
    if below is not None:
        query = query.where(col(ConfigTargetVersion.version) < below)
    session.execute(query)


@dataclass(frozen=True)
class RolloutState:
    version: int
    digest: str
    workflow_id: str
    state: str  # pending | running | applied | failed | superseded
    error: str
    created_at: datetime
    started_at: datetime | None


def latest_rollout(session: Session, target: str) -> ConfigRollout | None:
    query = select(ConfigRollout).where(ConfigRollout.target == target)
    return session.exec(query.order_by(col(ConfigRollout.id).desc()).limit(1)).first()


def rollout_state(target: ConfigTarget, row: ConfigRollout | None) -> RolloutState | None:
    """Where the target's latest rollout is: not started yet (`pending`, with why), started
    and not reported live (`running`), live (`applied`), failed (`failed`: the error its
    workflow recorded, e.g. no sidecar took it, or the sidecar's report after it started),
    or overtaken by a newer desired version that had no rollout of its own (`superseded`)."""
    if row is None:
        return None
    error = ""
    if target.reported_at and target.live_digest == row.digest:
        state = "applied"
    elif row.digest != target.desired_digest:
        state = "superseded"
    elif row.started_at is None:
        state, error = "pending", row.error
    elif row.failed_at is not None:
        state, error = "failed", row.error
    elif target.error and target.reported_at and target.reported_at >= row.started_at:
        state, error = "failed", target.error
    else:
        state = "running"
    return RolloutState(
        row.version, row.digest, row.workflow_id, state, error, row.created_at, row.started_at
    )


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
