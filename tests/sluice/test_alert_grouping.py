"""What a flush tells, decided without I/O: holds, resolutions, silence extras, repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sluice.alerting.grouping import Context, Member, SilenceFacts, decide
from sluice.alerting.routing import AlertRouting
from store.models import Silence

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def ctx(**changes: object) -> Context:
    values: dict[str, object] = {
        "routing": AlertRouting(), "route_active": True, "send_resolved": True,
        "silences": [], "known_silences": {}, "firing_labels": [], "now": NOW, "repeat": False,
    }  # fmt: skip
    return Context(**{**values, **changes})  # type: ignore[arg-type]


def test_new_firing_is_told_with_what_fired_before() -> None:
    old = Member("a", "firing", {"alertname": "X"}, notified="firing")
    new = Member("b", "firing", {"alertname": "X"})
    decision = decide([old, new], ctx())
    assert decision.new == ["b"] and decision.again == ["a"] and decision.firing == 2
    assert decision.updates["b"].notified == "firing" and not decision.settled


def test_nothing_new_and_no_repeat_tells_nothing() -> None:
    decision = decide([Member("a", "firing", {}, notified="firing")], ctx())
    assert not decision.tells
    assert decide([Member("a", "firing", {}, notified="firing")], ctx(repeat=True)).again == ["a"]


def test_resolved_is_told_only_with_send_resolved() -> None:
    member = Member("a", "resolved", {}, notified="firing")
    assert decide([member], ctx()).resolved == ["a"]
    quiet = decide([member], ctx(send_resolved=False))
    assert quiet.resolved == [] and quiet.settled  # marked resolved without a message


def test_outside_active_time_everything_is_held_once() -> None:
    firing = Member("a", "firing", {})
    decision = decide([firing], ctx(route_active=False))
    assert decision.new == [] and decision.held == {"a": ("inactive", "")}
    held_still = Member("a", "firing", {}, reason="inactive")
    assert decide([held_still], ctx(route_active=False)).held == {"a": ("", "")}  # no new event


def test_silences_hold_and_their_extras_are_told() -> None:
    silence = Silence(id=7, matchers=['alertname="X"'], starts_at=NOW - timedelta(hours=1),
                      ends_at=NOW + timedelta(hours=1))  # fmt: skip
    decision = decide([Member("a", "firing", {"alertname": "X"})], ctx(silences=[silence]))
    assert decision.held == {"a": ("silenced", "7")} and decision.wake_at == silence.ends_at
    known = {7: SilenceFacts(NOW, notify_resolved=True, notify_on_expiry=True)}
    resolved = decide([Member("a", "resolved", {}, silence_id=7)], ctx(known_silences=known))
    assert resolved.resolved_silenced == ["a"]
    expired = decide([Member("a", "firing", {}, silence_id=7)], ctx(known_silences=known))
    assert expired.expired == ["a"] and expired.new == ["a"]


def test_inhibited_while_the_source_fires() -> None:
    routing = AlertRouting.model_validate({"inhibit_rules": [
        {"name": "crit", "source": ['severity="critical"'], "target": ['severity="warning"'],
         "equal": ["cluster"]},
    ]})  # fmt: skip
    target = Member("w", "firing", {"severity": "warning", "cluster": "c1"})
    source = {"severity": "critical", "cluster": "c1"}
    held = decide([target], ctx(routing=routing, firing_labels=[source]))
    assert held.held == {"w": ("inhibited", "crit")}
    other_cluster = {"severity": "critical", "cluster": "c2"}
    assert decide([target], ctx(routing=routing, firing_labels=[other_cluster])).new == ["w"]
