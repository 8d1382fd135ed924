"""Tickets: how soon a ticket of each priority must be responded to and resolved."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from sluice.settings.base import Section
from sluice.tickets import PRIORITIES, Priority


class TicketDeadline(Section):
    """Seconds after creation: first response (ack, start or resolve), then resolution."""

    respond: float = Field(gt=0)
    resolve: float = Field(gt=0)

    @model_validator(mode="after")
    def _respond_first(self) -> TicketDeadline:
        if self.respond > self.resolve:
            raise ValueError(
                f"respond ({self.respond:g}) must not be later than resolve ({self.resolve:g})"
            )
        return self


HOUR = 3600.0
DEFAULT_DEADLINES: dict[Priority, TicketDeadline] = {
    "P1": TicketDeadline(respond=15 * 60, resolve=4 * HOUR),
    "P2": TicketDeadline(respond=HOUR, resolve=24 * HOUR),
    "P3": TicketDeadline(respond=4 * HOUR, resolve=72 * HOUR),
    "P4": TicketDeadline(respond=24 * HOUR, resolve=7 * 24 * HOUR),
}


class TicketSettings(Section):
    """Deadlines per priority (P1 to P4); a priority left out keeps its default."""

    deadlines: dict[Priority, TicketDeadline] = {}
    default_priority: Priority = "P3"
    # The escalation policy (in the live alert routing document) a breached deadline is
    # told through when the ticket's group's route has none.
    escalation_policy: str | None = None

    def deadline(self, priority: Priority) -> tuple[timedelta, timedelta]:
        """(respond within, resolve within) for `priority`."""
        chosen = self.deadlines.get(priority) or DEFAULT_DEADLINES[priority]
        return timedelta(seconds=chosen.respond), timedelta(seconds=chosen.resolve)


__all__ = ["DEFAULT_DEADLINES", "PRIORITIES", "TicketDeadline", "TicketSettings"]
