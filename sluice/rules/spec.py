"""A rule document (`name`, `priority`, `match`, `pipeline`...) parsed and validated as a whole."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from sluice.contracts import (
    OPTIONS,
    STEP_TYPES,
    DetectedFile,
    FailureNoticeOptions,
    StepOptions,
    StepPlan,
)
from sluice.rules.actions import FailureNoticeSpec
from sluice.rules.errors import RuleError, format_loc, problems_from
from sluice.rules.match import MatchSpec
from sluice.rules.options import OptionsSpec
from sluice.rules.shape import ShapeError, check_shape
from sluice.rules.steps import (
    COMMON_KEYS,
    NOT_YET_AVAILABLE,
    NOT_YET_AVAILABLE_REASON,
    STEP_SPECS,
    CommonKeys,
    default_heartbeat_timeout_s,
    default_timeout_s,
    split_options,
)

_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
DEFAULT_PRIORITY = 100
Problems = list[tuple[str, str]]


def _check_rule_name(name: str) -> str:
    if not _RULE_NAME.fullmatch(name):
        raise ValueError(
            f"invalid rule name {name!r}: up to 100 letters, digits, '_', '.', '-', "
            "starting with a letter or digit"
        )
    return name


class RuleDocument(BaseModel):
    """The top level of a rule document as written; `pipeline` is checked step by step."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Annotated[str, AfterValidator(_check_rule_name)]
    description: str = ""
    priority: int = DEFAULT_PRIORITY
    continue_: bool = Field(default=False, alias="continue")
    enabled: bool = True
    match: MatchSpec = Field(default_factory=MatchSpec)
    pipeline: list[Any] = Field(min_length=1)
    on_failure: Any = None


@dataclass(frozen=True)
class RuleSpec:
    """A valid rule: when it applies (`match`) and the stages of steps it runs."""

    name: str
    stages: tuple[tuple[StepPlan, ...], ...]
    description: str = ""
    priority: int = DEFAULT_PRIORITY
    continue_: bool = False
    enabled: bool = True
    match: MatchSpec = dataclasses.field(default_factory=MatchSpec)
    on_failure_notify: FailureNoticeOptions | None = None

    def matches(self, file: DetectedFile, *, labels: Mapping[str, str], now: datetime) -> bool:
        return self.match.matches(file, labels=labels, now=now)

    def to_plan_stages(self) -> list[list[StepPlan]]:
        """Fresh StepPlan objects, one list per stage (its steps run concurrently)."""
        return fresh_stages(self.stages)


def fresh_stages(stages: Iterable[Iterable[StepPlan]]) -> list[list[StepPlan]]:
    """New StepPlan objects, for a plan to rename and routing to fill in; their options and
    retry settings are frozen, so they are shared."""
    return [[dataclasses.replace(step) for step in stage] for stage in stages]


def parse_rule(data: Mapping[str, Any]) -> RuleSpec:
    """Validate a rule document; raises RuleError naming the rule and every problem's path."""
    if not isinstance(data, Mapping):
        raise RuleError("<unnamed>", [("", "a rule document must be a mapping")])
    raw_name = data.get("name")
    rule_name = raw_name[:100] if isinstance(raw_name, str) and raw_name else "<unnamed>"
    try:
        check_shape(data)
    except ShapeError as exc:
        raise RuleError(rule_name, [(exc.path, exc.message)]) from None
    problems: Problems = []
    try:
        document = RuleDocument.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, RuleDocument))
        document = None
    pipeline = data.get("pipeline")
    stages = _parse_pipeline(pipeline, problems) if isinstance(pipeline, list) else ()
    on_failure_notify = _parse_rule_on_failure(data.get("on_failure"), problems)
    if problems or document is None:
        raise RuleError(rule_name, problems)
    return RuleSpec(
        name=document.name,
        stages=stages,
        description=document.description,
        priority=document.priority,
        continue_=document.continue_,
        enabled=document.enabled,
        match=document.match,
        on_failure_notify=on_failure_notify,
    )


@dataclass
class _Draft:
    """A validated step before the plan-wide names are given out."""

    path: str
    type: str
    common: CommonKeys
    options: StepOptions


def _parse_pipeline(entries: list[Any], problems: Problems) -> tuple[tuple[StepPlan, ...], ...]:
    drafts: list[list[_Draft]] = []
    for index, entry in enumerate(entries):
        loc: list[int | str] = ["pipeline", index]
        if isinstance(entry, Mapping) and list(entry) == ["parallel"]:
            drafts.append(_parse_parallel(entry["parallel"], loc, problems))
        else:
            draft = _parse_step(entry, loc, problems)
            drafts.append([draft] if draft else [])
    names = _step_names([d for stage in drafts for d in stage], problems)
    return tuple(
        tuple(
            StepPlan(
                name=names[id(draft)],
                type=draft.type,
                options=draft.options,
                timeout_s=draft.common.timeout or default_timeout_s(draft.type),
                heartbeat_timeout_s=draft.common.heartbeat_timeout
                or default_heartbeat_timeout_s(draft.type),
                retry=draft.common.retry.to_settings(),
                on_failure=draft.common.on_failure,
            )
            for draft in stage
        )
        for stage in drafts
    )


def _parse_parallel(steps: Any, loc: list[int | str], problems: Problems) -> list[_Draft]:
    path = format_loc([*loc, "parallel"])
    if not isinstance(steps, list) or not steps:
        problems.append((path, "expected a non-empty list of steps"))
        return []
    drafts = []
    for index, entry in enumerate(steps):
        if isinstance(entry, Mapping) and "parallel" in entry:
            problems.append((format_loc([*loc, "parallel", index]), "parallel blocks cannot nest"))
            continue
        draft = _parse_step(entry, [*loc, "parallel", index], problems)
        if draft:
            drafts.append(draft)
    return drafts


def _parse_step(entry: Any, loc: list[int | str], problems: Problems) -> _Draft | None:
    path = format_loc(loc)
    if not isinstance(entry, Mapping) or len(entry) != 1:
        got = f"keys {', '.join(map(str, entry))}" if isinstance(entry, Mapping) else repr(entry)
        problems.append(
            (
                path,
                f"expected one step as {{<type>: {{options}}}} or {{parallel: [...]}}, got {got}",
            )
        )
        return None
    [(step_type, raw)] = entry.items()
    if step_type not in STEP_TYPES:
        close = difflib.get_close_matches(str(step_type), STEP_TYPES, n=1)
        hint = f'did you mean "{close[0]}"?' if close else f"use one of {', '.join(STEP_TYPES)}"
        problems.append((path, f'unknown step type "{step_type}"; {hint}'))
        return None
    if step_type in NOT_YET_AVAILABLE:
        problems.append(
            ("", f'step "{step_type}" ({path}) is not available yet: {NOT_YET_AVAILABLE_REASON}')
        )
        return None
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append((f"{path}.{step_type}", f"expected a mapping of options, got {raw!r}"))
        return None
    common_raw, own_raw = split_options(raw)
    at = [*loc, step_type]
    common = _validated(CommonKeys, common_raw, at, problems)
    options = _validated(STEP_SPECS[step_type], own_raw, at, problems, also=COMMON_KEYS)
    if not isinstance(common, CommonKeys) or not isinstance(options, OptionsSpec):
        return None
    return _Draft(
        path=path, type=step_type, common=common, options=options.build(OPTIONS[step_type])
    )


def _validated(
    model: type[BaseModel],
    raw: Mapping[str, Any],
    loc: list[int | str],
    problems: Problems,
    also: Sequence[str] = (),
) -> BaseModel | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problems_from(exc, model, loc, also_allowed=also))
        return None


def _step_names(drafts: Sequence[_Draft], problems: Problems) -> dict[int, str]:
    """Explicit names must be unique; the others are their type, then type-2, type-3..."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for draft in drafts:
        name = draft.common.name
        if name is None:
            continue
        if name in taken:
            problems.append((f"{draft.path}.{draft.type}.name", f'duplicate step name "{name}"'))
        taken.add(name)
        names[id(draft)] = name
    for draft in drafts:
        if draft.common.name is not None:
            continue
        name, suffix = draft.type, 1
        while name in taken:
            suffix += 1
            name = f"{draft.type}-{suffix}"
        taken.add(name)
        names[id(draft)] = name
    return names


def _parse_rule_on_failure(value: Any, problems: Problems) -> FailureNoticeOptions | None:
    """`on_failure: {notify: {channels: [...], ...}}`: the task's failure notice."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or list(value) != ["notify"]:
        problems.append(("on_failure", "expected {notify: {...}} (rule-level failure notices)"))
        return None
    raw = value["notify"]
    if not isinstance(raw, Mapping):
        problems.append(("on_failure.notify", f"expected a mapping of options, got {raw!r}"))
        return None
    spec = _validated(FailureNoticeSpec, raw, ["on_failure", "notify"], problems)
    return spec.build(FailureNoticeOptions) if isinstance(spec, OptionsSpec) else None
