"""What one flush of an alert group tells people: the decision, free of I/O.

Each member alert remembers what it was last notified as. A flush notifies the firing alerts
not yet told (unless silenced, inhibited, or the route is outside its active time), the
resolved ones that were told they fired (if the route sends resolved), and the Sluice
extras: a resolved notice for alerts resolved under a silence with `notify_resolved`, and
a notice for alerts still firing when a silence with `notify_on_expiry` has ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sluice.alerting.routing import AlertRouting, inhibited_by
from sluice.alerting.silences import SilenceLike, silenced_by

FIRING, RESOLVED = "firing", "resolved"
SILENCED, INHIBITED, INACTIVE = "silenced", "inhibited", "inactive"


@dataclass
class Member:
    fingerprint: str
    status: str
    labels: dict[str, Any]
    notified: str = ""  # "", firing, resolved
    reason: str = ""  # why it was last held back
    silence_id: int | None = None  # the silence that muted it while it fired


@dataclass(frozen=True)
class SilenceFacts:
    ends_at: datetime
    notify_resolved: bool
    notify_on_expiry: bool


@dataclass
class Decision:
    new: list[str] = field(default_factory=list)  # firing, not told yet
    again: list[str] = field(default_factory=list)  # firing, told, repeated
    resolved: list[str] = field(default_factory=list)
    resolved_silenced: list[str] = field(default_factory=list)  # notify_resolved notices
    expired: list[str] = field(default_factory=list)  # still firing after notify_on_expiry
    held: dict[str, tuple[str, str]] = field(default_factory=dict)  # fp → (reason, why)
    updates: dict[str, Member] = field(default_factory=dict)  # members whose state changed
    wake_at: datetime | None = None
    firing: int = 0
    settled: bool = False

    @property
    def tells(self) -> bool:
        return bool(self.new or self.resolved or self.resolved_silenced or self.again)


@dataclass(frozen=True)
class Context:
    routing: AlertRouting
    route_active: bool
    send_resolved: bool
    silences: Sequence[SilenceLike]  # in span now
    known_silences: Mapping[int, SilenceFacts]  # those members name, ended or not
    firing_labels: Sequence[Mapping[str, Any]]  # firing alerts that are inhibition sources
    now: datetime
    repeat: bool


def decide(members: Sequence[Member], ctx: Context) -> Decision:
    out = Decision()
    for member in members:
        if member.status == FIRING:
            out.firing += 1
            _firing(member, ctx, out)
        else:
            _resolved(member, ctx, out)
    out.settled = out.firing == 0 and all(
        (out.updates.get(m.fingerprint) or m).notified != FIRING for m in members
    )
    if ctx.repeat or out.new or out.resolved or out.resolved_silenced:
        # a message shows the whole group: what fired before and still does comes again
        out.again = [
            m.fingerprint
            for m in members
            if m.status == FIRING and m.notified == FIRING and m.fingerprint not in out.held
        ]
    return out


def _firing(member: Member, ctx: Context, out: Decision) -> None:
    if not ctx.route_active:
        return _hold(member, INACTIVE, "", out)
    silence = silenced_by(ctx.silences, member.labels, ctx.now)
    if silence is not None:
        ends = next(s.ends_at for s in ctx.silences if s.id == silence)
        out.wake_at = ends if out.wake_at is None else min(out.wake_at, ends)
        return _hold(member, SILENCED, str(silence), out, silence_id=silence)
    rule = inhibited_by(ctx.routing, member.labels, ctx.firing_labels)
    if rule is not None:
        return _hold(member, INHIBITED, rule, out)
    if member.notified == FIRING:
        if member.reason:
            out.updates[member.fingerprint] = _with(member, reason="", silence_id=None)
        return None
    facts = ctx.known_silences.get(member.silence_id or 0)
    if facts is not None and facts.notify_on_expiry:
        out.expired.append(member.fingerprint)
    out.new.append(member.fingerprint)
    out.updates[member.fingerprint] = _with(member, notified=FIRING, reason="", silence_id=None)
    return None


def _resolved(member: Member, ctx: Context, out: Decision) -> None:
    if member.notified == RESOLVED:
        return
    facts = ctx.known_silences.get(member.silence_id or 0)
    if member.notified == FIRING and ctx.send_resolved:
        if not ctx.route_active:
            return _hold(member, INACTIVE, "", out)
        out.resolved.append(member.fingerprint)
    elif member.notified != FIRING and facts is not None and facts.notify_resolved:
        if not ctx.route_active:
            return _hold(member, INACTIVE, "", out)
        out.resolved_silenced.append(member.fingerprint)
    out.updates[member.fingerprint] = _with(member, notified=RESOLVED, reason="")
    return None


def _hold(
    member: Member, reason: str, why: str, out: Decision, silence_id: int | None = None
) -> None:
    """Held back; an event only when the reason (or the silence) is new."""
    keep = member.silence_id if silence_id is None else silence_id
    if member.reason != reason or keep != member.silence_id:
        out.held[member.fingerprint] = (reason, why)
        out.updates[member.fingerprint] = _with(member, reason=reason, silence_id=keep)
    else:
        out.held.setdefault(member.fingerprint, ("", ""))  # held still: not repeated


def _with(member: Member, **changes: Any) -> Member:
    values = {**member.__dict__, **changes}
    return Member(**values)
