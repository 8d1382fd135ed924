"""AlertGroupWorkflow's timers as data: what is due next, and what it is.

Kept apart from the workflow so the order of deadlines reads in one place: an expired ack
first (the escalation resumes), then an escalation step, then a flush (the repeat interval,
a silence's end or the route opening, or changes once the group interval has passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.alert_groups import AckState, EscalationState, GroupTimings

ACK_EXPIRED, ESCALATE, FLUSH = "ack_expired", "escalate", "flush"


@dataclass
class GroupClock:
    timings: GroupTimings
    last_flush_at: datetime | None = None
    next_repeat_at: datetime | None = None
    wake_at: datetime | None = None
    escalation: EscalationState | None = None
    ack: AckState | None = None

    def acked(self, now: datetime) -> bool:
        return self.ack is not None and (self.ack.until is None or self.ack.until > now)

    def next(self, now: datetime, dirty: bool) -> tuple[str, datetime] | None:
        """The first thing due (it may be due already), and when; None: only a signal or
        an update can wake the group."""
        due: list[tuple[datetime, int, str]] = []
        if self.ack is not None and self.ack.until is not None:
            if self.ack.until <= now:  # lapsed: before the steps that fell due meanwhile
                return ACK_EXPIRED, self.ack.until
            due.append((self.ack.until, 0, ACK_EXPIRED))
        if self.escalation and self.escalation.due_at and not self.acked(now):
            due.append((self.escalation.due_at, 1, ESCALATE))
        for moment in (self.next_repeat_at, self.wake_at):
            if moment is not None:
                due.append((moment, 2, FLUSH))
        if dirty:
            interval = timedelta(seconds=self.timings.group_interval)
            since = self.last_flush_at + interval if self.last_flush_at else now
            due.append((since, 2, FLUSH))
        if not due:
            return None
        moment, _, what = min(due)
        return what, moment

    def repeat_due(self, now: datetime) -> bool:
        return self.next_repeat_at is not None and self.next_repeat_at <= now
