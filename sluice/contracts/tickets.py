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
class TicketInput:
    number: int
    breaches: int = 0  # carried over continue-as-new


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


@dataclass
class BreachRequest:
    number: int
    deadline: str  # response or resolution
    due: datetime


@dataclass
class TicketResult:
    breaches: int = 0
