"""What the API, TicketWorkflow and its activities pass each other (small dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TICKET_WORKFLOW = "TicketWorkflow"
TICKET_SIGNAL = "ticket_changed"
RESPONSE, RESOLUTION = "response", "resolution"


def ticket_workflow_id(number: int) -> str:
    return f"ticket-{number}"


@dataclass
class Escalation:
    """A breached deadline's escalation in progress: the policy's `step` (0-based) of
    `round` is due at `due_at`."""

    deadline: str
    due: datetime  # the breached deadline's due time: a new one (reopened) is a new breach
    step: int = 0
    round: int = 0
    due_at: datetime | None = None


@dataclass
class TicketInput:
    number: int
    breaches: int = 0  # carried over continue-as-new
    escalations: list[Escalation] = field(default_factory=list)


@dataclass
class TicketChanged:
    """The ticket changed (acked, resolved, reopened…): read its timers again."""

    status: str = ""


@dataclass
class TicketTimers:
    """The ticket's deadlines as the database holds them; `breached` names those already
    recorded for their current due time."""

    done: bool
    respond_by: datetime | None = None  # None: responded to, or no deadline
    resolve_by: datetime | None = None
    breached: list[str] = field(default_factory=list)

    def stands(self, deadline: str, due: datetime) -> bool:
        """The breach of `deadline` due at `due` is not answered yet: the deadline is still
        owed at that time (acknowledging ends a response owed; a reopen or another priority
        moves the deadline, and a new breach is its own)."""
        owed = self.respond_by if deadline == RESPONSE else self.resolve_by
        return not self.done and owed == due


@dataclass
class BreachRequest:
    number: int
    deadline: str  # response or resolution
    due: datetime


@dataclass
class BreachRecorded:
    """The breach is recorded; `first_wait`: seconds before its policy's first step (None:
    no escalation policy)."""

    first_wait: float | None = None


@dataclass
class StepRequest:
    number: int
    deadline: str
    due: datetime
    step: int  # 0-based
    round: int


@dataclass
class StepResult:
    """The step ran (`next_wait` before the next one; None: the policy is done), or waits
    `retry_in` seconds for its window, or `stop`s: the breach is answered or nothing is left."""

    retry_in: float | None = None
    stop: bool = False
    next_wait: float | None = None
    next_step: int = 0
    next_round: int = 0


@dataclass
class TicketResult:
    breaches: int = 0
