"""The tickets' state machine, display ids and deadlines per priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from sluice.settings import Settings, TicketSettings
from sluice.tickets import (
    ACTIONS,
    STATUSES,
    TicketStatus,
    TransitionRefused,
    deadlines,
    display_id,
    parse_display_id,
    transition,
)

ALLOWED = {
    ("open", "ack"): "acknowledged",
    ("open", "start"): "in_progress",
    ("open", "resolve"): "resolved",
    ("open", "close"): "closed",
    ("acknowledged", "start"): "in_progress",
    ("acknowledged", "resolve"): "resolved",
    ("acknowledged", "close"): "closed",
    ("in_progress", "resolve"): "resolved",
    ("in_progress", "close"): "closed",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "open",
    ("closed", "reopen"): "open",
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_status_and_action_is_allowed_or_refused_with_a_reason(
    status: str, action: str
) -> None:
    expected = ALLOWED.get((status, action))
    if expected is not None:
        assert transition(status, action) == expected  # type: ignore[arg-type]
        return
    with pytest.raises(TransitionRefused) as refused:
        transition(status, action)  # type: ignore[arg-type]
    message = str(refused.value)
    assert f"cannot {action} a ticket that is {status}" in message
    may = sorted(a for (s, a) in ALLOWED if s == status)
    assert f"(it may: {', '.join(may)})" in message


def test_a_closed_ticket_may_only_be_reopened() -> None:
    with pytest.raises(TransitionRefused, match=r"it may: reopen\)"):
        transition(TicketStatus.closed, "resolve")


@pytest.mark.parametrize(
    ("text", "number"),
    [("T-12", 12), ("t-7", 7), ("42", 42), ("T-2147483647", 2**31 - 1), ("T-0", None),
     ("T-2147483648", None), ("T-", None), ("T-1x", None), ("X-3", None), ("", None),
     ("T-01", None), ("-3", None), ("T-99999999999", None)],
)  # fmt: skip
def test_display_ids_parse_back_and_nothing_else_does(text: str, number: int | None) -> None:
    assert parse_display_id(text) == number
    if number is not None:
        assert parse_display_id(display_id(number)) == number


def test_deadlines_follow_the_priority_with_defaults_and_overrides() -> None:
    created = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    policy = TicketSettings()
    assert policy.deadline("P1") == (timedelta(minutes=15), timedelta(hours=4))
    assert policy.deadline("P4") == (timedelta(days=1), timedelta(days=7))
    custom = Settings.model_validate(
        {"tickets": {"deadlines": {"P1": {"respond": 300, "resolve": 3600}}}}
    ).tickets
    assert custom.deadline("P1") == (timedelta(minutes=5), timedelta(hours=1))
    assert custom.deadline("P2") == policy.deadline("P2")  # left out: the default
    due = deadlines(created, *custom.deadline("P1"))
    assert (due.respond_by, due.resolve_by) == (
        datetime(2026, 12, 6, 12, 5, tzinfo=UTC), datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
    )  # fmt: skip


@pytest.mark.parametrize(
    "tickets",
    [{"deadlines": {"P1": {"respond": 7200, "resolve": 3600}}},
     {"deadlines": {"P5": {"respond": 1, "resolve": 2}}},
     {"deadlines": {"P1": {"respond": 0, "resolve": 2}}},
     {"default_priority": "P9"}],
)  # fmt: skip
def test_impossible_deadlines_are_refused_at_start_up(tickets: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({"tickets": tickets})
