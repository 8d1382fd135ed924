"""Named message templates in the routing document (`templates:`), used by a route for its
group notifications and by an escalation policy or step for its messages instead of the
built-in templates.

They come from whoever may save the document, so they run in the message template sandbox
(sluice/message_templates.py). A document is saved only if each template compiles there and
renders the sample values of every place that uses it (a firing and a resolved group for a
route, an escalation step for a policy); at run time a template that still fails falls back to
the built-in one (activities/alert_groups), so no notification is lost to a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sluice.message_templates import (
    ALERT_NAMES,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    RenderBudget,
    check_message_template,
    render_message_template,
)
from sluice.rules.errors import Loc

if TYPE_CHECKING:
    from sluice.alerting.routing import AlertRouting, Route

Kind = Literal["alert_group", "alert_escalation"]
GROUP: Kind = "alert_group"
ESCALATION: Kind = "alert_escalation"
MAX_TEMPLATES = 100
MAX_PROBLEM = 300  # characters of a render error quoted back
# What checking a whole document's templates may spend (each render has its own bounds too):
# sample values are small, so honest templates use a tiny part of it.
CHECK_ITERATIONS = 20_000
CHECK_WORK = 1_000_000
SAMPLE_LABELS = {"alertname": "SampleAlert", "severity": "critical", "instance": "host-1"}


class AlertTemplate(BaseModel):
    """A message's `title` and/or `text` (Jinja2, sandboxed); the part left out is built in."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", description="one line; empty: the built-in title")
    text: str = Field(default="", description="Markdown; empty: the built-in text")

    @field_validator("title", "text")
    @classmethod
    def _compiles(cls, source: str) -> str:
        return check_message_template(source, ALERT_NAMES) if source else source

    @model_validator(mode="after")
    def _not_empty(self) -> AlertTemplate:
        if not self.title and not self.text:
            raise ValueError("a template has a title, a text or both")
        return self


def render(
    template: AlertTemplate, values: Mapping[str, Any], budget: RenderBudget | None = None
) -> tuple[str, str]:
    """The (title, text) `template` makes of `values` ("" for a part it leaves out);
    MessageTemplateError or a Jinja2/Python error if it fails."""
    title = text = ""
    if template.title:
        title = render_message_template(
            template.title, values, TITLE_MAX_CHARS, ALERT_NAMES, budget
        )
    if template.text:
        text = render_message_template(template.text, values, TEXT_MAX_CHARS, ALERT_NAMES, budget)
    return title.strip(), text.strip()


def sample_alert(labels: Mapping[str, str], status: str, at: datetime) -> dict[str, Any]:
    """An alert as a message template sees it (activities/alert_groups/messages.alert_values)."""
    name = labels.get("alertname", "")
    annotations = {"summary": f"{name or 'the alert'} (sample)", "description": "a sample"}
    return {
        "fingerprint": "0123456789abcdef",
        "alertname": name,
        "severity": labels.get("severity", ""),
        "status": status,
        "labels": dict(labels),
        "annotations": annotations,
        "summary": annotations["summary"],
        "description": annotations["description"],
        "starts_at": at.isoformat(),
        "ends_at": at.isoformat() if status == "resolved" else "",
        "generator_url": "",
    }


# What `analysis` holds in a group's messages once the group was analysed (else it is None).
SAMPLE_ANALYSIS = {
    "summary": "The sample service ran out of memory.", "severity": "critical",
    "causes": ["A cache without a bound"], "confidence": 0.7,
    "actions": [{"action": "Restart the service", "risk": "low"}],
    "knowledge": ["KB-1"], "degraded": False, "error_class": "",
}  # fmt: skip


def sample_values(
    kind: Kind,
    *,
    labels: Mapping[str, str] | None = None,
    group_labels: Mapping[str, str] | None = None,
    route: str = "default",
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """What `kind`'s messages are rendered from, for one alert with `labels`: a firing and a
    resolved group, or an escalation's first step (the shapes activities/alert_groups use)."""
    labels = dict(SAMPLE_LABELS if labels is None else labels)
    grouped = dict(labels if group_labels is None else group_labels)
    at = at or datetime(2026, 1, 1, tzinfo=UTC)
    title = ", ".join(f"{k}={v}" for k, v in sorted(grouped.items()))[:200] or route
    group = {"id": "alert-group-sample", "route": route, "labels": grouped, "title": title,
             "url": "", "assignee": ""}  # fmt: skip
    firing, resolved = sample_alert(labels, "firing", at), sample_alert(labels, "resolved", at)
    if kind == ESCALATION:
        escalation = {"step": 1, "round": 0, "policy": "sample", "people": ["someone"]}
        counts = {"firing": 1, "resolved": 0}
        return [{"group": group, "counts": counts, "firing": [firing], "escalation": escalation}]
    return [
        {"group": group, "counts": {"firing": 1, "resolved": 0}, "firing": [firing],
         "new": [firing["fingerprint"]], "resolved": [], "resolved_silenced": [], "expired": [],
         "analysis": SAMPLE_ANALYSIS},
        {"group": group, "counts": {"firing": 0, "resolved": 1}, "firing": [], "new": [],
         "resolved": [resolved], "resolved_silenced": [], "expired": [], "analysis": None},
    ]  # fmt: skip


@dataclass(frozen=True)
class Preview:
    """What a route's template makes of one firing alert; `error`: why it would fall back."""

    template: str
    title: str
    text: str
    error: str = ""


def preview(
    routing: AlertRouting, route: Route, labels: Mapping[str, str], at: datetime
) -> Preview | None:
    """The route's own template rendered for a firing alert with `labels` (None: built in)."""
    template = routing.template(route.template)
    if template is None or route.template is None:
        return None
    values = sample_values(
        GROUP, labels=labels, group_labels=route.group_labels(labels), route=route.name, at=at
    )[0]
    try:
        title, text = render(template, values)
    except Exception as exc:  # shown, not raised: the notification would use the built-in one
        return Preview(route.template, "", "", f"{type(exc).__name__}: {exc}"[:MAX_PROBLEM])
    return Preview(route.template, title, text)


def template_uses(routing: AlertRouting) -> list[tuple[Loc, str, Kind]]:
    """Every template name the document uses, with where and for which messages."""
    found: list[tuple[Loc, str, Kind]] = []
    for index, route in enumerate(routing.routes):
        if route.template:
            found.append((("routes", index, "template"), route.template, GROUP))
    if routing.default.template:
        found.append((("default", "template"), routing.default.template, GROUP))
    for p, policy in enumerate(routing.escalation_policies):
        if policy.template:
            found.append((("escalation_policies", p, "template"), policy.template, ESCALATION))
        for s, step in enumerate(policy.steps):
            if step.template:
                where = ("escalation_policies", p, "steps", s, "template")
                found.append((where, step.template, ESCALATION))
    return found


def template_problems(routing: AlertRouting) -> list[tuple[Loc, str]]:
    """Names used but not defined, and templates that fail on the sample values of the
    messages they are used for (an unused one must render for either kind)."""
    problems: list[tuple[Loc, str]] = []
    budget = RenderBudget(CHECK_ITERATIONS, CHECK_WORK)
    kinds: dict[str, set[Kind]] = {}
    for loc, name, kind in template_uses(routing):
        if name in routing.templates:
            kinds.setdefault(name, set()).add(kind)
        else:
            known = ", ".join(sorted(routing.templates)) or "none"
            problems.append((loc, f"no template named {name!r} (templates: {known})"))
    for name, template in routing.templates.items():
        used = sorted(kinds.get(name, ()))
        failures = {
            kind: _render_failure(template, kind, budget) for kind in used or [GROUP, ESCALATION]
        }
        failed = {kind: f for kind, f in failures.items() if f is not None}
        if failed and (used or len(failed) == len(failures)):
            kind, (part, message) = next(iter(failed.items()))
            problems.append((("templates", name, part), message))
    return problems


def _render_failure(
    template: AlertTemplate, kind: Kind, budget: RenderBudget
) -> tuple[str, str] | None:
    """(part, why) for the first sample of `kind` that `template` fails to render."""
    for values in sample_values(kind):
        for part in ("title", "text"):
            source = getattr(template, part)
            if not source:
                continue
            try:
                render(AlertTemplate.model_construct(**{part: source}), values, budget)
            except Exception as exc:  # any failure of the user's template is its problem
                what = "an escalation" if kind == ESCALATION else f"a {_status(values)} group"
                why = f"fails to render for {what}: {type(exc).__name__}: {exc}"
                return part, why[:MAX_PROBLEM]
    return None


def _status(values: Mapping[str, Any]) -> str:
    return "firing" if values["counts"]["firing"] else "resolved"
