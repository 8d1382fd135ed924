"""Silences: created, edited and expired by people, listed by state and by the labels they mute.

A silence's state follows from the clock: `pending` before `starts_at`, `active` until
`ends_at`, `expired` after; expiring one moves `ends_at` to now. Editing or expiring one
also writes outbox rows for the groups whose alerts it holds back, so they are judged again
at once (their workflows sleep until the silence's old end otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session, col, select

from sluice.alerting.matchers import matches_all, parse_matchers
from sluice.alerting.windows import Windows
from store import alert_outbox
from store.alert_outbox import OutboxRow
from store.models import Alert, Silence, utcnow

State = Literal["active", "pending", "expired"]
MAX_SPAN = timedelta(days=366)
MAX_LISTED = 5000  # silences examined by one list request that filters by labels


class SilenceRefused(ValueError):
    """A silence that cannot be: bad matchers, times or windows; the message says which."""


class SilenceConflict(Exception):
    """An edit or expiry of a silence that has already ended."""


@dataclass(frozen=True)
class SilenceSpec:
    matchers: list[str]
    starts_at: datetime | None
    ends_at: datetime | None
    duration: float | None  # seconds
    recurrence: dict[str, Any] | None
    comment: str
    notify_resolved: bool
    notify_on_expiry: bool


def state_of(silence: Silence, now: datetime) -> State:
    if now < silence.starts_at:
        return "pending"
    return "active" if now < silence.ends_at else "expired"


def create(session: Session, *, spec: SilenceSpec, actor: str, fingerprint: str = "") -> Silence:
    silence = Silence(created_by=actor, fingerprint=fingerprint)
    _apply(silence, spec, utcnow())
    session.add(silence)
    session.commit()
    session.refresh(silence)
    return silence


def update(
    session: Session, *, silence_id: int, spec: SilenceSpec
) -> tuple[Silence, list[OutboxRow]] | None:
    """Replace the silence; it and the outbox rows of the groups it held back."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        return None
    now = utcnow()
    if state_of(silence, now) == "expired":
        raise SilenceConflict(f"silence {silence_id} has expired; create a new one")
    _apply(silence, spec, now)
    return _changed(session, silence, now)


def expire(session: Session, *, silence_id: int) -> tuple[Silence, list[OutboxRow]] | None:
    """End the silence now (a pending one never starts); it and the outbox rows of the
    groups it held back."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        return None
    now = utcnow()
    if state_of(silence, now) == "expired":
        raise SilenceConflict(f"silence {silence_id} has expired already")
    silence.starts_at = min(silence.starts_at, now)
    silence.ends_at = now
    return _changed(session, silence, now)


def _changed(session: Session, silence: Silence, now: datetime) -> tuple[Silence, list[OutboxRow]]:
    """Commit the edited silence with the outbox rows that wake the groups it held back."""
    assert silence.id is not None
    silence.updated_at = now
    session.add(silence)
    session.flush()
    woken = alert_outbox.wake_held_by_silence(session.connection(), silence.id, now=now)
    session.commit()
    session.refresh(silence)
    return silence, woken


def get(session: Session, *, silence_id: int) -> Silence | None:
    return session.get(Silence, silence_id)


def list_silences(
    session: Session,
    *,
    state: State | None,
    labels: dict[str, str] | None,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[Silence], bool]:
    """Newest first; with `labels`, only silences whose matchers all hold for them.
    Returns the page and whether more follow."""
    query = select(Silence).order_by(col(Silence.created_at).desc(), col(Silence.id).desc())
    if state == "active":
        query = query.where(Silence.starts_at <= now, Silence.ends_at > now)
    elif state == "pending":
        query = query.where(Silence.starts_at > now)
    elif state == "expired":
        query = query.where(Silence.ends_at <= now)
    if labels is None:
        rows = list(session.exec(query.offset(offset).limit(limit + 1)))
    else:
        matching = [
            s
            for s in session.exec(query.limit(MAX_LISTED))
            if matches_all(parse_matchers(s.matchers), labels)
        ]
        rows = matching[offset : offset + limit + 1]
    return rows[:limit], len(rows) > limit


def alert_matchers(session: Session, *, fingerprint: str, names: Sequence[str] | None) -> list[str]:
    """Equality matchers on an alert's labels (all, or those `names`); LookupError if none."""
    alert = session.get(Alert, fingerprint)
    if alert is None:
        raise LookupError(fingerprint)
    labels = {key: str(value) for key, value in alert.labels.items()}
    chosen = sorted(labels) if names is None else list(names)
    missing = [name for name in chosen if name not in labels]
    if missing:
        raise SilenceRefused(f"the alert has no label {missing[0]!r} (it has: {sorted(labels)})")
    return [f"{name}={quoted(labels[name])}" for name in chosen]


def quoted(value: str) -> str:
    """A label value as a matcher writes it: in double quotes, `\\` and `"` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apply(silence: Silence, spec: SilenceSpec, now: datetime) -> None:
    """Check `spec` and copy it onto `silence`; SilenceRefused says what is wrong."""
    if not spec.matchers:
        raise SilenceRefused("a silence needs at least one matcher")
    try:
        parsed = parse_matchers(spec.matchers)
    except ValueError as exc:
        raise SilenceRefused(str(exc)) from None
    if all(matcher({}) for matcher in parsed):
        raise SilenceRefused(
            "the matchers all match an alert without those labels, so the silence would mute "
            "every alert; add a matcher that needs a label value"
        )
    starts_at = spec.starts_at or now
    if (spec.ends_at is None) == (spec.duration is None):
        raise SilenceRefused("give either ends_at or duration")
    if spec.duration is not None and spec.duration > MAX_SPAN.total_seconds():
        raise SilenceRefused(f"a silence lasts at most {MAX_SPAN.days} days")
    ends_at = spec.ends_at or starts_at + timedelta(seconds=spec.duration or 0)
    if ends_at <= now:
        raise SilenceRefused("ends_at is in the past: the silence would never mute anything")
    if ends_at <= starts_at:
        raise SilenceRefused("ends_at must be after starts_at")
    if ends_at - starts_at > MAX_SPAN:
        raise SilenceRefused(f"a silence lasts at most {MAX_SPAN.days} days")
    recurrence: dict[str, Any] = {}
    if spec.recurrence:
        try:
            recurrence = Windows.model_validate(spec.recurrence).model_dump()
        except ValueError as exc:
            raise SilenceRefused(f"recurrence: {_first_error(exc)}") from None
    silence.matchers = [m.text for m in parsed]
    silence.starts_at, silence.ends_at = starts_at, ends_at
    silence.recurrence = recurrence
    silence.comment = spec.comment
    silence.notify_resolved, silence.notify_on_expiry = spec.notify_resolved, spec.notify_on_expiry


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)
