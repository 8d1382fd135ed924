"""A document's whole check: YAML, the structural checks, then promtool or amtool. Only a
document with no problem may be published."""

from __future__ import annotations

from typing import Literal

from sluice.config_sync import secrets
from sluice.config_sync.amconfig import check_alertmanager
from sluice.config_sync.documents import ConfigInvalid, Document, Problem, check_size, parse
from sluice.config_sync.rulefiles import check_rule_file
from sluice.config_sync.tools import amtool_problems, promtool_problems

DocumentKind = Literal["rules", "alertmanager"]


def problems_of(
    kind: DocumentKind, text: str, *, secret_values: dict[str, str], timeout: float
) -> list[Problem]:
    """Every problem with `text` (an alertmanager.yml masked, its secrets in
    `secret_values`); the external tool runs only when the Python checks pass."""
    try:
        check_size(text)
        doc = parse(text)
    except ConfigInvalid as exc:
        return exc.problems
    if kind == "rules":
        return check_rule_file(doc) or promtool_problems(text, timeout)[1]
    problems = check_alertmanager(doc) + _unset(doc, secret_values)
    if problems:
        return problems
    rendered = secrets.unmask(text, secret_values)
    return amtool_problems(rendered, timeout, list(secret_values.values()))[1]


def _unset(doc: Document, secret_values: dict[str, str]) -> list[Problem]:
    """Masked fields with no value (an imported config whose secrets Alertmanager hid)."""
    spans = secrets.secret_spans(doc.text)
    return [
        Problem(path, doc.text.count("\n", 0, spans[path][0]) + 1, f"{path}: give its value")
        for path in secrets.masked_paths(doc.text)
        if path not in secret_values
    ]
