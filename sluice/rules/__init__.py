"""Routing rules: parse and validate rule documents, and choose each file's plan (no I/O)."""

from sluice.rules.errors import RuleError
from sluice.rules.match import MatchSpec
from sluice.rules.plan import DEFAULT_STAGES, UNMATCHED_ACTIONS, PublishedRule, plan_for
from sluice.rules.spec import RuleDocument, RuleSpec, parse_rule
from sluice.rules.steps import NOT_YET_AVAILABLE, STEP_SPECS, RetrySpec
from sluice.rules.units import parse_duration, parse_size
from sluice.rules.windows import TimeWindow, parse_window

__all__ = [
    "DEFAULT_STAGES",
    "NOT_YET_AVAILABLE",
    "STEP_SPECS",
    "UNMATCHED_ACTIONS",
    "MatchSpec",
    "PublishedRule",
    "RetrySpec",
    "RuleDocument",
    "RuleError",
    "RuleSpec",
    "TimeWindow",
    "parse_duration",
    "parse_rule",
    "parse_size",
    "parse_window",
    "plan_for",
]
