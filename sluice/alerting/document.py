"""The routing document as people write it: YAML text checked as a whole, every problem named
by its path (`routes[2].matchers`) and the line it is at, so an editor can mark it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from sluice.alerting.routing import AlertRouting
from sluice.alerting.templates import template_problems
from sluice.rules.errors import Loc, format_loc, problems_from
from sluice.rules.shape import MAX_DEPTH, ShapeError, check_shape

MAX_TEXT = 256 * 1024  # characters of YAML
_ROUTE_IN_MESSAGE = re.compile(r"^route '([^']+)': escalation policy")


@dataclass(frozen=True)
class Problem:
    path: str  # "" for the whole document
    line: int  # 1-based
    message: str


class RoutingInvalid(ValueError):
    """A routing document that cannot be used; `problems` each say where and what."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            "; ".join(
                f"line {p.line}: {p.path}: {p.message}" if p.path else f"line {p.line}: {p.message}"
                for p in self.problems
            )
        )


def check_routing(text: str) -> AlertRouting:
    """The document in `text`, or RoutingInvalid with every problem at its line (its
    templates are rendered with sample values too)."""
    if len(text) > MAX_TEXT:
        raise RoutingInvalid([Problem("", 1, f"longer than {MAX_TEXT} characters")])
    data = _load(text)
    try:
        routing = AlertRouting.model_validate(data)
    except ValidationError as exc:
        located = [
            (_better_loc(data, tuple(error["loc"]), message), message)
            for error, (_path, message) in zip(
                exc.errors(), problems_from(exc, AlertRouting), strict=True
            )
        ]
        raise RoutingInvalid(problems_at(text, located)) from None
    problems = template_problems(routing)
    if problems:
        raise RoutingInvalid(problems_at(text, problems))
    return routing


def problems_at(text: str, located: Sequence[tuple[Loc, str]]) -> list[Problem]:
    """Each (loc, message) as a Problem at the line of the key or item `loc` names."""
    root = _compose(text)
    return [Problem(format_loc(loc), line_of(root, loc), message) for loc, message in located]


def channel_references(routing: AlertRouting) -> list[tuple[Loc, str]]:
    """Every channel name the document uses, with where: routes, default, escalation steps."""
    found: list[tuple[Loc, str]] = []
    for index, route in enumerate(routing.routes):
        found += [(("routes", index, "channels", n), c) for n, c in enumerate(route.channels)]
    found += [(("default", "channels", n), c) for n, c in enumerate(routing.default.channels)]
    for p, policy in enumerate(routing.escalation_policies):
        for s, step in enumerate(policy.steps):
            where = ("escalation_policies", p, "steps", s, "channels")
            found += [((*where, n), c) for n, c in enumerate(step.channels)]
    return found


def line_of(root: yaml.Node | None, loc: Loc) -> int:
    """The 1-based line of the deepest part of `loc` present under `root` (line 1 if none)."""
    line, node = 1, root
    for part in loc:
        child: tuple[yaml.Node, yaml.Node] | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((kv for kv in node.value if _is_key(kv[0], part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part >= 0:
            item = node.value[part] if part < len(node.value) else None
            child = (item, item) if item is not None else None
        if child is None:
            break
        line, node = child[0].start_mark.line + 1, child[1]
    return line


def _is_key(node: yaml.Node, name: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == name


def _load(text: str) -> Any:
    try:
        _check_nesting(text)
        data = yaml.safe_load(text)
    except RoutingInvalid:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise RoutingInvalid([Problem("", line, f"not valid YAML: {exc.problem}")]) from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an integer of 4300+ digits
        raise RoutingInvalid([Problem("", 1, f"not valid YAML: {str(exc)[:200]}")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RoutingInvalid([Problem("", 1, "the document is a mapping (routes, default, …)")])
    try:
        check_shape(data)  # bounds what aliases expand to before anything copies it
        return json.loads(json.dumps(data, default=str))  # JSON values only (dates as text)
    except ShapeError as exc:
        raise RoutingInvalid([Problem(exc.path, 1, exc.message)]) from None
    except (TypeError, ValueError) as exc:
        raise RoutingInvalid([Problem("", 1, str(exc)[:200])]) from None


def _check_nesting(text: str) -> None:
    """Refuse deep nesting before PyYAML's recursive composer can overflow the stack."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise RoutingInvalid(
                    [Problem("", line, f"nested more than {MAX_DEPTH} levels deep")]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _better_loc(data: Any, loc: Loc, message: str) -> Loc:
    """A whole-document check names its route in the message; point at that route."""
    found = _ROUTE_IN_MESSAGE.match(message)
    if loc or not found or not isinstance(data, dict):
        return loc
    routes = data.get("routes")
    for index, route in enumerate(routes if isinstance(routes, list) else []):
        if isinstance(route, dict) and route.get("name") == found.group(1):
            return ("routes", index, "escalation")
    default = data.get("default")
    if isinstance(default, dict) and default.get("name") == found.group(1):
        return ("default", "escalation")
    return loc
