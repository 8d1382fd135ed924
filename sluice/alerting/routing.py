"""The alert routing document: routes, inhibition rules and escalation policies, versioned
as one YAML document and published as a whole (like Alertmanager's configuration, whose
route tree is written here as an ordered list).

An alert's labels are tested against the routes in order; the first match takes it, and a
route with `continue: true` lets the next matching routes take it too. No match: the
`default` route. Each route groups its alerts by `group_by` label values (`["..."]` groups
by every label); a group is one durable workflow, named by `group_id`. Routes and escalation
policies (or their steps) may name one of the document's `templates` for their messages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from sluice.alerting.matchers import Matcher, matches_all, parse_matchers
from sluice.alerting.templates import MAX_TEMPLATES, AlertTemplate
from sluice.alerting.windows import Windows
from sluice.rules.units import Duration
from sluice.tickets import Priority

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
ALL_LABELS = "..."
MAX_ROUTES = 500
GROUP_PREFIX = "alert-group-"


def _check_matchers(texts: list[str]) -> list[str]:
    parse_matchers(texts)
    return texts


Matchers = Annotated[list[str], AfterValidator(_check_matchers)]
TemplateName = Annotated[str, Field(pattern=NAME)]


class RouteTicket(BaseModel):
    """The route opens a ticket for each of its groups when it first fires (`ticket: P2` is
    short for `ticket: {priority: P2}`; `ticket: {}` takes tickets.default_priority)."""

    model_config = ConfigDict(extra="forbid")

    priority: Priority | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)


class RouteAnalysis(BaseModel):
    """When the route's groups are analysed (by the LLM, degrading to the built-in analyzer):
    `on_demand` (from the console or the API only, the default), `always` when a group first
    fires, or `severity`: when one of its alerts has a `severity` label in `severities`.
    `hold` keeps a group's first notification until the analysis is ready, for at most that
    long after `group_wait`, so the first message can carry it. `analysis: always` is short
    for `analysis: {when: always}`."""

    model_config = ConfigDict(extra="forbid")

    when: Literal["on_demand", "always", "severity"] = "on_demand"
    severities: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=lambda: ["critical"], max_length=20
    )
    hold: Duration = Field(default=0.0, le=600)

    @property
    def automatic(self) -> bool:
        return self.when != "on_demand"

    def wanted(self, severities: list[str]) -> bool:
        """Whether a group whose alerts have these severities is analysed without asking."""
        if self.when == "severity":
            return any(s in self.severities for s in severities)
        return self.when == "always"


class Route(BaseModel):
    """Where matching alerts go and how often people hear about them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=NAME)
    matchers: Matchers = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    group_by: list[str] = Field(default_factory=lambda: ["alertname"], max_length=32)
    group_wait: Duration = 30.0
    group_interval: Duration = 300.0
    repeat_interval: Duration = 4 * 3600.0
    channels: list[str] = Field(default_factory=list, max_length=20)
    send_resolved: bool = True
    escalation: str | None = None
    active_time: Windows = Field(default_factory=Windows)
    template: TemplateName | None = None
    ticket: RouteTicket | None = None
    analysis: RouteAnalysis = Field(default_factory=RouteAnalysis)

    _matchers: list[Matcher] = PrivateAttr(default_factory=list)

    @field_validator("analysis", mode="before")
    @classmethod
    def _analysis_shorthand(cls, value: Any) -> Any:
        return {"when": value} if isinstance(value, str) else value

    @field_validator("ticket", mode="before")
    @classmethod
    def _ticket_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"priority": value}
        if value is True:
            return {}
        return None if value is False else value

    @model_validator(mode="after")
    def _compile(self) -> Route:
        self._matchers = parse_matchers(self.matchers)
        if ALL_LABELS in self.group_by and len(self.group_by) > 1:
            raise ValueError(f'group_by: "{ALL_LABELS}" stands alone (it means every label)')
        return self

    def matches(self, labels: Mapping[str, Any]) -> bool:
        return matches_all(self._matchers, labels)

    def group_labels(self, labels: Mapping[str, Any]) -> dict[str, str]:
        if self.group_by == [ALL_LABELS]:
            return {key: str(value) for key, value in sorted(labels.items())}
        return {key: str(labels.get(key, "")) for key in sorted(self.group_by)}

    def group_id(self, labels: Mapping[str, Any]) -> str:
        """The group workflow's id: a hash of the route and the group's label values."""
        return group_id_of(self.name, self.group_labels(labels))


def group_id_of(route: str, group_labels: Mapping[str, str]) -> str:
    """`Route.group_id` of an alert whose group labels (`Route.group_labels`) are known."""
    key = json.dumps([route, group_labels], sort_keys=True)
    return GROUP_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:24]


class InhibitRule(BaseModel):
    """While an alert matching `source` fires, alerts matching `target` that have the same
    values of the `equal` labels are not notified."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME)
    source: Matchers = Field(min_length=1)
    target: Matchers = Field(min_length=1)
    equal: list[str] = Field(default_factory=list, max_length=32)

    _source: list[Matcher] = PrivateAttr(default_factory=list)
    _target: list[Matcher] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _compile(self) -> InhibitRule:
        self._source, self._target = parse_matchers(self.source), parse_matchers(self.target)
        return self

    def is_source(self, labels: Mapping[str, Any]) -> bool:
        return matches_all(self._source, labels)

    def inhibits(self, source: Mapping[str, Any], target: Mapping[str, Any]) -> bool:
        return (
            matches_all(self._target, target)
            and matches_all(self._source, source)
            and not matches_all(self._target, source)  # an alert does not inhibit itself
            and all(source.get(key, "") == target.get(key, "") for key in self.equal)
        )


class EscalationStep(BaseModel):
    """Wait `wait` after the previous step, then notify `channels` (and mention `people`),
    but only inside `within` (outside it the step waits for the window to open)."""

    model_config = ConfigDict(extra="forbid")

    wait: Literal[0] | Duration = 0
    channels: list[str] = Field(default_factory=list, max_length=20)
    people: list[str] = Field(default_factory=list, max_length=50)
    within: Windows = Field(default_factory=Windows)
    template: TemplateName | None = None  # default: the policy's


class EscalationPolicy(BaseModel):
    """Ordered steps, run again from the first `repeat` more times, until someone acks."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME)
    steps: list[EscalationStep] = Field(min_length=1, max_length=20)
    repeat: int = Field(default=0, ge=0, le=100)
    template: TemplateName | None = None


class AlertRouting(BaseModel):
    """The whole document; validation checks that every name it refers to exists here
    (channels are checked against the database by the API)."""

    model_config = ConfigDict(extra="forbid")

    routes: list[Route] = Field(default_factory=list, max_length=MAX_ROUTES)
    default: Route = Field(default_factory=lambda: Route(name="default"))
    inhibit_rules: list[InhibitRule] = Field(default_factory=list, max_length=MAX_ROUTES)
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list, max_length=100)
    templates: dict[TemplateName, AlertTemplate] = Field(
        default_factory=dict, max_length=MAX_TEMPLATES
    )

    @model_validator(mode="after")
    def _check_names(self) -> AlertRouting:
        _unique("routes", [route.name for route in [*self.routes, self.default]])
        _unique("inhibit_rules", [rule.name for rule in self.inhibit_rules])
        policies = _unique("escalation_policies", [p.name for p in self.escalation_policies])
        for route in [*self.routes, self.default]:
            if route.escalation is not None and route.escalation not in policies:
                raise ValueError(
                    f"route {route.name!r}: escalation policy {route.escalation!r} is not "
                    f"defined (escalation_policies: {sorted(policies) or 'none'})"
                )
        return self

    def routes_for(self, labels: Mapping[str, Any]) -> list[Route]:
        """The routes that take an alert with `labels`, in order; the default if none."""
        taken: list[Route] = []
        for route in self.routes:
            if route.matches(labels):
                taken.append(route)
                if not route.continue_:
                    break
        return taken or [self.default]

    def inhibition_source(self, labels: Mapping[str, Any]) -> bool:
        """Whether a firing alert with `labels` could mute others under some inhibit rule."""
        return any(rule.is_source(labels) for rule in self.inhibit_rules)

    def route(self, name: str) -> Route | None:
        return next((r for r in [*self.routes, self.default] if r.name == name), None)

    def policy(self, name: str | None) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def template(self, name: str | None) -> AlertTemplate | None:
        return self.templates.get(name) if name else None

    def channel_names(self) -> set[str]:
        names = {c for route in [*self.routes, self.default] for c in route.channels}
        steps = (step for policy in self.escalation_policies for step in policy.steps)
        return names | {channel for step in steps for channel in step.channels}


def inhibited_by(
    routing: AlertRouting, target: Mapping[str, Any], firing: Sequence[Mapping[str, Any]]
) -> str | None:
    """The name of the first inhibition rule under which a firing alert mutes `target`."""
    for rule in routing.inhibit_rules:
        if any(rule.inhibits(source, target) for source in firing):
            return rule.name
    return None


def active(route: Route, now: datetime) -> bool:
    return route.active_time.contains(now)


def _unique(what: str, names: list[str]) -> set[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what}: the name {name!r} is used twice")
        seen.add(name)
    return seen
