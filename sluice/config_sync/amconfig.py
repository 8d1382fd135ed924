"""Structural checks of an alertmanager.yml before amtool sees it: the route tree's receivers
and time intervals exist, durations are valid, inhibit rules are well formed."""

from __future__ import annotations

from typing import Any

from sluice.config_sync.documents import Document, Path, Problem
from sluice.config_sync.gotemplates import valid_duration

TOP_KEYS = {
    "global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals",
    "templates",
}  # fmt: skip
ROUTE_DURATIONS = ("group_wait", "group_interval", "repeat_interval")
MATCHER_KEYS = ("matchers", "match", "match_re")
MAX_ROUTE_DEPTH = 100


def check_alertmanager(doc: Document) -> list[Problem]:
    data = doc.data
    problems = [doc.problem((str(k),), f"unknown field `{k}`") for k in set(data) - TOP_KEYS]
    receivers = _named(doc, "receivers", problems)
    intervals = _named(doc, "time_intervals", problems) | _named(
        doc, "mute_time_intervals", problems
    )
    route = data.get("route")
    if not isinstance(route, dict):
        problems.append(doc.problem(("route",), "a config needs `route:`, a mapping"))
    else:
        if not route.get("receiver"):
            problems.append(doc.problem(("route",), "the root route needs a `receiver`"))
        _route(doc, ("route",), route, receivers, intervals, problems, 0)
    rules = data.get("inhibit_rules", [])
    if not isinstance(rules, list):
        problems.append(doc.problem(("inhibit_rules",), "`inhibit_rules` must be a list"))
    else:
        for n, rule in enumerate(rules):
            _inhibit(doc, ("inhibit_rules", n), rule, problems)
    templates = data.get("templates", [])
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        problems.append(doc.problem(("templates",), "`templates` must be a list of file globs"))
    return problems


def receiver_names(data: dict[str, Any]) -> list[str]:
    items = data.get("receivers")
    return [str(r["name"]) for r in items or [] if isinstance(r, dict) and r.get("name")]


def _named(doc: Document, key: str, problems: list[Problem]) -> set[str]:
    items = doc.data.get(key, [])
    if not isinstance(items, list):
        problems.append(doc.problem((key,), f"`{key}` must be a list"))
        return set()
    names: set[str] = set()
    for n, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(doc.problem((key, n), f"each of `{key}` needs a `name`"))
        elif name in names:
            problems.append(doc.problem((key, n, "name"), f"{key} name {name!r} repeated"))
        names.add(str(name))
    return names


def _route(
    doc: Document,
    path: Path,
    route: dict[str, Any],
    receivers: set[str],
    intervals: set[str],
    problems: list[Problem],
    depth: int,
) -> None:
    if depth > MAX_ROUTE_DEPTH:
        problems.append(doc.problem(path, f"routes nest deeper than {MAX_ROUTE_DEPTH}"))
        return
    receiver = route.get("receiver")
    if receiver is not None and receiver not in receivers:
        problems.append(doc.problem((*path, "receiver"), f"no receiver named {receiver!r}"))
    for key in ROUTE_DURATIONS:
        if key in route and not valid_duration(route[key]):
            problems.append(doc.problem((*path, key), f"`{key}`: not a duration (like 5m)"))
    for key in ("mute_time_intervals", "active_time_intervals"):
        for name in route.get(key) or []:
            if name not in intervals:
                problems.append(doc.problem((*path, key), f"no time interval named {name!r}"))
    children = route.get("routes", [])
    if not isinstance(children, list):
        problems.append(doc.problem((*path, "routes"), "`routes` must be a list"))
        return
    for n, child in enumerate(children):
        if not isinstance(child, dict):
            problems.append(doc.problem((*path, "routes", n), "a route must be a mapping"))
            continue
        _route(doc, (*path, "routes", n), child, receivers, intervals, problems, depth + 1)


def _inhibit(doc: Document, path: Path, rule: Any, problems: list[Problem]) -> None:
    if not isinstance(rule, dict):
        problems.append(doc.problem(path, "an inhibit rule must be a mapping"))
        return
    for side in ("source", "target"):
        keys = [f"{side}_{k}" for k in MATCHER_KEYS if f"{side}_{k}" in rule]
        if not keys:
            problems.append(doc.problem(path, f"an inhibit rule needs `{side}_matchers`"))
        for key in keys:
            want = list if key.endswith("matchers") else dict
            if not isinstance(rule[key], want):
                problems.append(doc.problem((*path, key), f"`{key}` must be a {want.__name__}"))
    equal = rule.get("equal", [])
    if not isinstance(equal, list) or not all(isinstance(e, str) for e in equal):
        problems.append(doc.problem((*path, "equal"), "`equal` must be a list of label names"))
