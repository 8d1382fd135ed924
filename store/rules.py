"""The published rules as routing reads them: the live version of each, parsed once."""

import json
import logging
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import col

from sluice.rules import PublishedRule, RuleError, RuleSpec, parse_rule
from store.models import RoutingRule, RuleVersion

logger = logging.getLogger(__name__)


# The routing activity reads this for every file: built once, not per call. The document
# comes back as its stored JSON text, the key of `_parsed`.
_LIVE_COLUMNS: list[Any] = [
    col(RoutingRule.id),
    col(RoutingRule.name),
    col(RuleVersion.version),
    cast(col(RuleVersion.spec), Text),
]
_LIVE_VERSIONS = sa_select(*_LIVE_COLUMNS).join_from(
    RoutingRule,
    RuleVersion,
    (col(RuleVersion.rule_id) == col(RoutingRule.id))
    & (col(RuleVersion.version) == col(RoutingRule.live_version)),
)


def published_rules(conn: Connection) -> list[PublishedRule]:
    """The live version of every published rule, parsed, for routing.

    A live version that no longer validates (the rule language grew stricter since it was
    published) is left out and logged, so one stale rule cannot stop every file.
    """
    published = []
    for rule_id, name, version, text in conn.execute(_LIVE_VERSIONS):
        try:
            spec = _parsed(text)
        except RuleError as exc:
            logger.error("skipping rule %s version %s: %s", rule_id, version, exc)
            continue
        published.append(PublishedRule(rule_id=rule_id, name=name, version=version, spec=spec))
    return published


@lru_cache(maxsize=1024)
def _parsed(text: str) -> RuleSpec:
    """A stored rule document, parsed once per process: 0.35 ms each, for every file routed.

    Keyed by the document's text, so it cannot go stale; the spec is frozen, and routing
    copies what it hands on (`RuleSpec.to_plan_stages`).
    """
    return parse_rule(json.loads(text))
