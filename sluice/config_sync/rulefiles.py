"""Structural checks of a Prometheus rule file (`groups:` of alerting and recording rules),
before promtool sees it: each problem at its group, rule and line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sluice.config_sync.documents import Document, Path, Problem
from sluice.config_sync.gotemplates import template_problem, valid_duration

_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}


def check_rule_file(doc: Document) -> list[Problem]:
    groups = doc.data.get("groups")
    if not isinstance(groups, list):
        return [doc.problem(("groups",), "expected `groups:`, a list of rule groups")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for n, group in enumerate(groups):
        path: Path = ("groups", n)
        if not isinstance(group, dict):
            problems.append(doc.problem(path, "a group must be a mapping"))
            continue
        name = group.get("name")
        if not isinstance(name, str) or not name:
            problems.append(doc.problem((*path, "name"), "a group needs a name"))
        elif name in seen:
            problems.append(doc.problem((*path, "name"), f"group name {name!r} repeated"))
        else:
            seen[name] = n
        if "interval" in group and not valid_duration(group["interval"]):
            problems.append(doc.problem((*path, "interval"), "not a duration (like 30s, 1m)"))
        rules = group.get("rules")
        if not isinstance(rules, list):
            problems.append(doc.problem((*path, "rules"), "a group needs `rules:`, a list"))
            continue
        for r, rule in enumerate(rules):
            problems += _rule(doc, (*path, "rules", r), rule, str(name))
    return problems


def group_names(data: dict[str, Any]) -> list[str]:
    groups = data.get("groups")
    if not isinstance(groups, list):
        return []
    return [str(g["name"]) for g in groups if isinstance(g, dict) and g.get("name")]


def _rule(doc: Document, path: Path, rule: Any, group: str) -> list[Problem]:
    where = f"group {group!r}, rule {path[-1] + 1 if isinstance(path[-1], int) else path[-1]}"
    if not isinstance(rule, dict):
        return [doc.problem(path, f"{where}: a rule must be a mapping")]
    out: list[Problem] = []

    def bad(key: str, message: str) -> None:
        out.append(doc.problem((*path, key) if key else path, f"{where}: {message}"))

    alert, record = rule.get("alert"), rule.get("record")
    if (alert is None) == (record is None):
        bad("", "a rule needs exactly one of `alert` or `record`")
    if record is not None and not (isinstance(record, str) and _METRIC.match(record)):
        bad("record", f"{record!r} is not a valid metric name")
    if alert is not None and not (isinstance(alert, str) and alert.strip()):
        bad("alert", "`alert` must be a non-empty name")
    if record is not None:
        for key in ("for", "keep_firing_for", "annotations"):
            if key in rule:
                bad(key, f"a recording rule cannot have `{key}`")
    for key in sorted(set(rule) - RULE_KEYS):
        bad(str(key), f"unknown field `{key}`")
    expr = rule.get("expr")
    if not isinstance(expr, (str, int, float)) or not str(expr).strip():
        bad("expr", "`expr` must be a non-empty PromQL expression")
    for key in ("for", "keep_firing_for"):
        if key in rule and not valid_duration(rule[key]):
            bad(key, f"`{key}`: {rule[key]!r} is not a duration (like 5m)")
    for key in ("labels", "annotations"):
        out += _templates(doc, path, key, rule.get(key), where, names=key == "labels")
    return out


def _templates(
    doc: Document, path: Path, key: str, value: Any, where: str, *, names: bool
) -> Iterable[Problem]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [doc.problem((*path, key), f"{where}: `{key}` must be a mapping")]
    out = []
    for name, text in value.items():
        at = (*path, key, str(name))
        if names and not _LABEL.match(str(name)):
            out.append(doc.problem(at, f"{where}: {name!r} is not a valid label name"))
        if isinstance(text, (dict, list)):
            out.append(doc.problem(at, f"{where}: {key}.{name} must be a string"))
        elif problem := template_problem(str(text if text is not None else "")):
            out.append(doc.problem(at, f"{where}: {key}.{name}: template: {problem}"))
    return out
