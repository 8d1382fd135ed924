"""The alert routing kernel: which routes take a label set, the group each lands in, which
inhibition rule and silence mute it, and the document's own validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sluice.alerting.matchers import parse_matcher
from sluice.alerting.routing import AlertRouting, inhibited_by
from sluice.alerting.silences import silenced_by

DOCUMENT = """
routes:
  - name: db
    matchers: ['team="db"', 'severity=~crit.*']
    group_by: [alertname, cluster]
    channels: [dba]
    escalation: oncall
    continue: true
  - name: everything-critical
    matchers: ['severity=critical']
    group_wait: 10s
  - name: never-reached
    matchers: ['severity=critical']
default:
  name: default
  group_by: ["..."]
inhibit_rules:
  - name: node-down
    source: ['alertname=NodeDown']
    target: ['severity=warning']
    equal: [instance]
escalation_policies:
  - name: oncall
    steps:
      - {channels: [dba]}
      - wait: 5m
        people: [li]
        within: {windows: ["Mon-Fri 09:00-18:00"], timezone: Asia/Shanghai}
    repeat: 2
"""


def routing(text: str = DOCUMENT) -> AlertRouting:
    return AlertRouting.model_validate(yaml.safe_load(text))


def test_first_match_wins_unless_it_continues_and_no_match_takes_the_default() -> None:
    doc = routing()
    critical_db = {"team": "db", "severity": "critical", "alertname": "X", "cluster": "a"}
    assert [r.name for r in doc.routes_for(critical_db)] == ["db", "everything-critical"]
    assert [r.name for r in doc.routes_for({"severity": "critical"})] == ["everything-critical"]
    assert [r.name for r in doc.routes_for({"team": "web"})] == ["default"]
    assert doc.routes[1].group_wait == 10.0 and doc.routes[0].repeat_interval == 4 * 3600


def test_a_group_is_the_route_and_its_group_label_values() -> None:
    db = routing().routes[0]
    one = {"alertname": "X", "cluster": "a", "instance": "1"}
    assert db.group_id(one) == db.group_id({**one, "instance": "2"})  # not a group label
    assert db.group_id(one) != db.group_id({**one, "cluster": "b"})
    assert db.group_id(one).startswith("alert-group-")
    default = routing().default
    assert default.group_labels(one) == one  # "..." groups by every label
    assert default.group_id(one) != default.group_id({**one, "instance": "2"})


def test_inhibition_needs_a_firing_source_with_equal_labels() -> None:
    doc = routing()
    target = {"severity": "warning", "instance": "i"}
    assert inhibited_by(doc, target, [{"alertname": "NodeDown", "instance": "i"}]) == "node-down"
    assert inhibited_by(doc, target, [{"alertname": "NodeDown", "instance": "j"}]) is None
    assert inhibited_by(doc, target, []) is None


def test_matchers_are_anchored_linear_time_and_may_be_quoted() -> None:
    assert parse_matcher('team="db"')({"team": "db"})
    assert not parse_matcher("team=~d")({"team": "db"})  # anchored, as in Prometheus
    assert parse_matcher("missing=")({})  # a missing label is the empty string
    assert parse_matcher("x=~(a+)+$")({"x": "a" * 50_000 + "!"}) is False  # RE2: no backtracking
    with pytest.raises(ValueError, match="expected name=value"):
        parse_matcher("no operator")


@dataclass
class Silence:
    id: int | None
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    recurrence: dict[str, Any] = field(default_factory=dict)


def test_a_silence_mutes_inside_its_span_and_its_recurring_windows() -> None:
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    weekly = Silence(7, ["service=db"], start, end, {"windows": ["Sat,Sun 00:00-24:00"]})
    labels = {"service": "db"}
    saturday, monday = datetime(2026, 12, 5, 12, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert silenced_by([weekly], labels, saturday) == 7
    assert silenced_by([weekly], labels, monday) is None
    assert silenced_by([weekly], labels, datetime(2027, 1, 2, tzinfo=UTC)) is None  # expired
    assert silenced_by([weekly], {"service": "web"}, saturday) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("routes: [{name: a}, {name: a}]", "used twice"),
        ("routes: [{name: a, escalation: nope}]", "escalation policy 'nope' is not defined"),
        ("routes: [{name: a, matchers: ['x=~(']}]", "missing \\)"),
        ("routes: [{name: a, group_wait: soon}]", "expected a duration"),
        ("routes: [{name: a, group_by: ['...', x]}]", "stands alone"),
        ("routes: [{name: a, active_time: {timezone: Mars/Base}}]", "unknown timezone"),
        ("inhibit_rules: [{name: i, source: [], target: ['a=b']}]", "at least 1"),
        ("routes: [{name: a, surprise: 1}]", "Extra inputs"),
    ],
)
def test_a_bad_document_says_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        routing(text)
