"""The routing document as text: each problem at the line of the key or item it names."""

from __future__ import annotations

import pytest

from sluice.alerting.document import (
    Problem,
    RoutingInvalid,
    channel_references,
    check_routing,
    problems_at,
)

TEXT = """routes:
  - name: a
    channels: [x, y]
  - name: b
    matchers:
      - 'team=db'
      - 'x=~('
default: {name: d, channels: [z]}
escalation_policies:
  - name: p
    steps:
      - channels: [w]
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(RoutingInvalid) as caught:
        check_routing(text)
    return caught.value.problems


def test_a_valid_document_and_where_its_channels_are() -> None:
    routing = check_routing(TEXT.replace("'x=~('", "'x=~(y)'"))
    refs = channel_references(routing)
    assert [name for _loc, name in refs] == ["x", "y", "z", "w"]
    lines = problems_at(TEXT, [(loc, name) for loc, name in refs])
    assert [(p.path, p.line) for p in lines] == [
        ("routes[0].channels[0]", 3),
        ("routes[0].channels[1]", 3),
        ("default.channels[0]", 8),
        ("escalation_policies[0].steps[0].channels[0]", 12),
    ]


def test_problems_name_their_path_and_line() -> None:
    found = problems(TEXT)
    assert [(p.path, p.line) for p in found] == [("routes[1].matchers", 5)]
    assert "label matcher 'x=~('" in found[0].message
    missing = problems("routes:\n  - channels: []\n")
    assert [(p.path, p.line, p.message) for p in missing] == [("routes[0].name", 2, "is required")]


def test_text_that_is_not_a_document() -> None:
    assert [(p.line, p.path) for p in problems("routes:\n  - name: a\n   bad: [\n")] == [(3, "")]
    assert problems("[1, 2]")[0].message.startswith("the document is a mapping")
    assert problems("a: " + "[" * 40 + "]" * 40)[0].message.startswith("nested more than")
    assert check_routing("").default.name == "default"  # empty: the built-in default
    assert str(RoutingInvalid([Problem("routes", 2, "bad")])) == "line 2: routes: bad"


def test_a_route_ticket_is_a_priority_or_its_options() -> None:
    text = "routes:\n  - name: a\n    ticket: P2\n  - name: b\n    ticket: {title: Disk}\n"
    routing = check_routing(text)
    assert [(r.ticket.priority, r.ticket.title) for r in routing.routes if r.ticket] == [
        ("P2", None), (None, "Disk")
    ]  # fmt: skip
    assert check_routing("routes: [{name: a}]").routes[0].ticket is None
    bad = problems("routes:\n  - name: a\n    channels: []\n    ticket: P9\n")
    assert [(p.path, p.line) for p in bad] == [("routes[0].ticket.priority", 4)]
    assert "'P1', 'P2', 'P3' or 'P4'" in bad[0].message
    unknown = problems("routes:\n  - name: a\n    ticket:\n      prio: P1\n")
    assert [(p.path, p.line) for p in unknown] == [("routes[0].ticket.prio", 4)]
