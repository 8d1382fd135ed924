"""Tickets' kernel: statuses, priorities, the state machine of their transitions, display
ids (`T-12`) and the deadlines a priority sets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Priority = Literal["P1", "P2", "P3", "P4"]
PRIORITIES: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")
Action = Literal["ack", "start", "resolve", "close", "reopen"]
ACTIONS: tuple[Action, ...] = ("ack", "start", "resolve", "close", "reopen")
StatusName = Literal["open", "acknowledged", "in_progress", "resolved", "closed"]


class TicketStatus:
    open = "open"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"


STATUSES = (
    TicketStatus.open,
    TicketStatus.acknowledged,
    TicketStatus.in_progress,
    TicketStatus.resolved,
    TicketStatus.closed,
)
# A ticket in one of these is done: its group may get a new ticket.
DONE = frozenset({TicketStatus.resolved, TicketStatus.closed})

# action → (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[str], str]] = {
    "ack": (frozenset({TicketStatus.open}), TicketStatus.acknowledged),
    "start": (
        frozenset({TicketStatus.open, TicketStatus.acknowledged}),
        TicketStatus.in_progress,
    ),
    "resolve": (
        frozenset({TicketStatus.open, TicketStatus.acknowledged, TicketStatus.in_progress}),
        TicketStatus.resolved,
    ),
    "close": (
        frozenset(
            {
                TicketStatus.open,
                TicketStatus.acknowledged,
                TicketStatus.in_progress,
                TicketStatus.resolved,
            }
        ),
        TicketStatus.closed,
    ),
    "reopen": (frozenset({TicketStatus.resolved, TicketStatus.closed}), TicketStatus.open),
}

_DISPLAY_ID = re.compile(r"^(?:[Tt]-)?([1-9][0-9]{0,9})$")
MAX_NUMBER = 2**31 - 1


class TransitionRefused(ValueError):
    """The state machine forbids the action from the ticket's status; says why."""


def transition(status: str, action: Action) -> str:
    """The status `action` leads to from `status`; TransitionRefused if it may not."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = ", ".join(sorted(a for a, (froms, _) in TRANSITIONS.items() if status in froms))
        allowed = allowed or "nothing"
        raise TransitionRefused(f"cannot {action} a ticket that is {status} (it may: {allowed})")
    return target


def display_id(number: int) -> str:
    return f"T-{number}"


def parse_display_id(text: str) -> int | None:
    """12 from "T-12", "t-12" or "12"; None for anything else."""
    match = _DISPLAY_ID.match(text)
    if match is None:
        return None
    number = int(match[1])
    return number if number <= MAX_NUMBER else None


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime


def deadlines(created_at: datetime, respond: timedelta, resolve: timedelta) -> Deadlines:
    """When a ticket created at `created_at` must be responded to and resolved."""
    return Deadlines(created_at + respond, created_at + resolve)
