"""The routing document's named templates: checked at their lines when the document is, by
compiling them in the sandbox and rendering the sample values of where they are used."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sluice.alerting.document import Problem, RoutingInvalid, check_routing
from sluice.alerting.templates import (
    ESCALATION,
    GROUP,
    AlertTemplate,
    preview,
    render,
    sample_values,
    template_uses,
)

TEXT = """templates:
  db-page:
    title: "[DB] {{ group.title }}: {{ counts.firing }} firing"
    text: |
      {% for a in firing %}- {{ a.summary }} on {{ a.labels.instance }}
      {% endfor %}{% for a in resolved %}- resolved: {{ a.alertname }}
      {% endfor %}
  db-escalation:
    title: "[DB] step {{ escalation.step }}: {{ escalation.people | join(', ') }}"
routes:
  - name: db
    matchers: ['team=db']
    template: db-page
    escalation: oncall
default:
  name: fallback
escalation_policies:
  - name: oncall
    template: db-escalation
    steps:
      - channels: []
      - wait: 10m
        template: db-page
"""


def problems(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(RoutingInvalid) as caught:
        check_routing(text)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def test_templates_are_named_by_routes_policies_and_steps() -> None:
    routing = check_routing(TEXT)
    assert routing.template("db-page") == routing.templates["db-page"]
    assert routing.template(None) is None and routing.template("nope") is None
    assert [(loc, name, kind) for loc, name, kind in template_uses(routing)] == [
        (("routes", 0, "template"), "db-page", GROUP),
        (("escalation_policies", 0, "template"), "db-escalation", ESCALATION),
        (("escalation_policies", 0, "steps", 1, "template"), "db-page", ESCALATION),
    ]
    firing, resolved = sample_values(GROUP)
    title, text = render(routing.templates["db-page"], firing)
    assert title == "[DB] alertname=SampleAlert, instance=host-1, severity=critical: 1 firing"
    assert text == "- SampleAlert (sample) on host-1"
    assert render(routing.templates["db-page"], resolved)[1] == "- resolved: SampleAlert"
    [escalation] = sample_values(ESCALATION)
    assert render(routing.templates["db-escalation"], escalation) == (
        "[DB] step 1: someone",
        "",
    )


def test_unknown_template_names_are_refused_where_they_are_used() -> None:
    text = TEXT.replace("template: db-page\n    escalation", "template: db-pager\n    escalation")
    text = text.replace("        template: db-page", "        template: nobody")
    assert problems(text) == [
        (13, "routes[0].template", "no template named 'db-pager' (templates: db-escalation, "
         "db-page)"),
        (23, "escalation_policies[0].steps[1].template", "no template named 'nobody' "
         "(templates: db-escalation, db-page)"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ group.__class__.__mro__ }}", "'__class__': names starting with '_' are not allowed"),
        ("{{ group['__init__'] }}", "'__init__': names starting with '_' are not allowed"),
        ("{{ task.id }}", "unknown variable(s) task; use group counts"),
        ('{% include "x" %}', "{% include %} is not allowed"),
        ("{{ group.title | shout }}", "unknown filter 'shout'"),
        ("{{ lipsum() }}", "unknown variable(s) lipsum"),
        ("{% for x in y %}", "invalid Jinja2 template (line 1)"),
    ],
)
def test_templates_that_do_not_compile_in_the_sandbox_are_refused_at_their_line(
    template: str, message: str
) -> None:
    text = f"templates:\n  t:\n    title: ok\n    text: {template!r}\n"
    [(line, path, why)] = problems(text)
    assert (line, path) == (4, "templates.t.text")
    assert message in why


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ counts.firing + 'x' }}", "TypeError"),
        ("{% for a in 'x' * 5000 %}{% for b in 'y' * 5000 %}{% endfor %}{% endfor %}",
         "more than 10000 loop iterations"),
        ("{{ 'x' * 100000 }}", "a repeated value longer than"),
        ("{{ 2 ** 200 }}", "an exponent this large"),
        ("{{ group.title.center(10**9) }}", "calling 'center' is not allowed"),
        ("{{ firing[0].labels.items.__self__ }}", "names starting with '_'"),
    ],
)  # fmt: skip
def test_templates_that_fail_or_run_away_on_sample_values_are_refused(
    template: str, message: str
) -> None:
    text = f"templates:\n  t:\n    title: {template!r}\nroutes:\n  - name: r\n    template: t\n"
    [(line, path, why)] = problems(text)
    assert (line, path) == (3, "templates.t.title")
    assert message in why


def test_a_template_must_render_for_each_kind_of_message_it_is_used_for() -> None:
    steps = "{{ escalation.step + 1 }}"  # needs escalation values: fine for a policy only
    own = f"templates:\n  t:\n    title: {steps!r}\n"
    assert check_routing(own).templates["t"].title == steps  # unused: one kind will do
    policy = own + "escalation_policies:\n  - {name: p, template: t, steps: [{channels: []}]}\n"
    assert check_routing(policy).policy("p") is not None
    routed = own + "routes:\n  - {name: r, template: t}\n"
    [(line, path, why)] = problems(routed)
    assert (line, path) == (3, "templates.t.title")
    assert why.startswith("fails to render for a firing group: UndefinedError")
    assert problems("templates:\n  t: {}\n") == [
        (2, "templates.t", "a template has a title, a text or both")
    ]


def test_the_preview_renders_a_routes_template_for_given_labels() -> None:
    routing = check_routing(TEXT)
    labels = {"team": "db", "alertname": "Down", "instance": "db-1"}
    at = datetime(2026, 12, 8, 10, tzinfo=UTC)
    shown = preview(routing, routing.routes[0], labels, at)
    assert shown is not None and shown.error == ""
    assert shown.title == "[DB] alertname=Down: 1 firing"
    assert shown.text == "- Down (sample) on db-1"
    assert preview(routing, routing.default, labels, at) is None  # the built-in one


def test_problem_locations_reach_the_document_text() -> None:
    assert str(RoutingInvalid([Problem("templates.t.title", 3, "bad")])) == (
        "line 3: templates.t.title: bad"
    )
    assert AlertTemplate(title="x").text == ""


def test_checking_a_whole_document_of_costly_templates_is_bounded() -> None:
    costly = (
        "{% for a in 'x' * 100 %}{% for b in 'y' * 99 %}{{ a.upper() }}{% endfor %}{% endfor %}"
    )
    text = "templates:\n" + "".join(
        f'  t{n}:\n    text: "{costly}"\n    title: "{costly}"\n' for n in range(100)
    )
    found = problems(text)
    assert len(found) == 100  # each is refused, most for the document's shared budget
    assert "the templates together do too much work" in found[-1][2]
