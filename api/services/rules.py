"""Routing rules in the metadata DB: validated, numbered versions; only the published one routes."""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sluice.rules import RuleError, parse_rule
from store.models import RoutingRule, RuleVersion, utcnow

logger = logging.getLogger(__name__)


class RuleConflict(Exception):
    """The change collides with another rule (its name) or a concurrent edit (its version)."""


class UnknownVersion(LookupError):
    """A version number the rule does not have."""


def create_rule(session: Session, *, document: Mapping[str, Any], actor: str) -> RoutingRule:
    """Validate `document` and save it as version 1 (not yet live); names are unique."""
    spec = parse_rule(document)
    if session.exec(select(RoutingRule.id).where(RoutingRule.name == spec.name)).first():
        raise RuleConflict(f'a rule named "{spec.name}" already exists')
    rule = RoutingRule(name=spec.name, description=spec.description)
    session.add(rule)
    try:
        session.flush()
        assert rule.id is not None
        session.add(_version(rule.id, 1, document, actor))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise RuleConflict(f'a rule named "{spec.name}" already exists') from None
    session.refresh(rule)
    return rule


def update_rule(
    session: Session, *, rule_id: int, document: Mapping[str, Any], actor: str
) -> RoutingRule | None:
    """Save `document` as the rule's next version; the live version stays until published.

    The name identifies the rule (tasks and plans record it), so a document with another
    name is refused: create a new rule instead.
    """
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        return None
    spec = parse_rule(document)
    if spec.name != rule.name:
        raise RuleError(
            spec.name,
            [("name", f'cannot change from "{rule.name}"; create a new rule to rename it')],
        )
    rule.description = spec.description
    _add_version(session, rule, document, actor)
    return rule


def publish_rule(
    session: Session, *, rule_id: int, version: int | None = None
) -> RoutingRule | None:
    """Make `version` (default: the newest) the live one; it is validated again first."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        return None
    row = get_version(session, rule_id=rule_id, version=version)
    if row is None:
        raise UnknownVersion(f"rule {rule_id} has no version {version}")
    parse_rule(row.spec)  # validation may have grown stricter since the version was saved
    rule.live_version = row.version
    rule.updated_at = utcnow()
    session.add(rule)
    session.commit()
    session.refresh(rule)
    return rule


def rollback_rule(
    session: Session, *, rule_id: int, version: int, actor: str
) -> RoutingRule | None:
    """Make `version`'s document live again, as a new published version equal to it.

    Versions stay immutable and numbered in order, so the history shows the rollback.
    Refused (RuleConflict) when that document is what is live already.
    """
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        return None
    old = get_version(session, rule_id=rule_id, version=version)
    if old is None:
        raise UnknownVersion(f"rule {rule_id} has no version {version}")
    live = None
    if rule.live_version is not None:
        live = get_version(session, rule_id=rule_id, version=rule.live_version)
    if live is not None and live.spec == old.spec:
        same = "" if live.version == version else f" (version {live.version} equals it)"
        raise RuleConflict(f"version {version} of rule {rule_id} is already live{same}")
    parse_rule(old.spec)  # validation may have grown stricter since the version was saved
    _add_version(session, rule, old.spec, actor, live=True)
    return rule


def _add_version(
    session: Session,
    rule: RoutingRule,
    document: Mapping[str, Any],
    actor: str,
    *,
    live: bool = False,
) -> None:
    """Save `document` as the rule's next version (live if asked) and commit."""
    assert rule.id is not None
    number = (latest_version_number(session, rule_id=rule.id) or 0) + 1
    session.add(_version(rule.id, number, document, actor))
    if live:
        rule.live_version = number
    rule.updated_at = utcnow()
    session.add(rule)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise RuleConflict(
            f"rule {rule.id} was changed at the same time (version {number}); try again"
        ) from None
    session.refresh(rule)


def delete_rule(session: Session, *, rule_id: int) -> bool:
    """Delete the rule and all its versions; False if there is no such rule."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        return False
    session.exec(delete(RuleVersion).where(col(RuleVersion.rule_id) == rule_id))
    session.delete(rule)
    session.commit()
    return True


def get_rule(session: Session, *, rule_id: int) -> RoutingRule | None:
    return session.get(RoutingRule, rule_id)


def list_rules(session: Session) -> list[RoutingRule]:
    """Every rule, by name."""
    return list(session.exec(select(RoutingRule).order_by(col(RoutingRule.name))))


def list_versions(session: Session, *, rule_id: int) -> list[RuleVersion] | None:
    """The rule's versions, newest first; None if there is no such rule."""
    if session.get(RoutingRule, rule_id) is None:
        return None
    query = (
        select(RuleVersion)
        .where(RuleVersion.rule_id == rule_id)
        .order_by(col(RuleVersion.version).desc())
    )
    return list(session.exec(query))


def get_version(
    session: Session, *, rule_id: int, version: int | None = None
) -> RuleVersion | None:
    """One version of a rule, the newest if `version` is None."""
    query = select(RuleVersion).where(RuleVersion.rule_id == rule_id)
    if version is None:
        query = query.order_by(col(RuleVersion.version).desc()).limit(1)
    else:
        query = query.where(RuleVersion.version == version)
    return session.exec(query).first()


def latest_version_number(session: Session, *, rule_id: int) -> int | None:
    query = select(func.max(RuleVersion.version)).where(RuleVersion.rule_id == rule_id)
    return session.exec(query).one()


def latest_versions(session: Session, *, rule_ids: Sequence[int]) -> dict[int, RuleVersion]:
    """The newest version of each rule in `rule_ids`, in one query."""
    if not rule_ids:
        return {}
    newest = (
        select(RuleVersion.rule_id, func.max(RuleVersion.version).label("version"))
        .where(col(RuleVersion.rule_id).in_(rule_ids))
        .group_by(col(RuleVersion.rule_id))
        .subquery()
    )
    query = select(RuleVersion).join(
        newest,
        (col(RuleVersion.rule_id) == newest.c.rule_id)
        & (col(RuleVersion.version) == newest.c.version),
    )
    return {row.rule_id: row for row in session.exec(query)}


def _version(rule_id: int, version: int, document: Mapping[str, Any], actor: str) -> RuleVersion:
    return RuleVersion(rule_id=rule_id, version=version, spec=dict(document), created_by=actor)
