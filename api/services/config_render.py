"""What each target should run: the live rule sets its selector picks (one file each) or its
Alertmanager config, rendered with secrets; `desired_version` goes up whenever the files do."""

from __future__ import annotations

from collections.abc import Iterable

import yaml
from sqlmodel import Session, col, select

from api.services import config_documents as documents
from sluice.config_sync.checks import DocumentKind
from sluice.config_sync.documents import Problem
from sluice.config_sync.rulefiles import group_names
from sluice.contracts.config_sync import (
    ConfigFile,
    DesiredConfig,
    RolloutInput,
    files_digest,
    rollout_id,
)
from sluice.secretbox import SecretBox
from store.models import (
    ConfigDocument,
    ConfigRollout,
    ConfigTarget,
    ConfigTargetVersion,
    ConfigVersion,
    utcnow,
)

RULE_KINDS = ("prometheus", "vmalert")


def document_kind(target_kind: str) -> DocumentKind:
    return "rules" if target_kind in RULE_KINDS else "alertmanager"


def rule_file_name(rule_set: str) -> str:
    return f"sluice-{rule_set}.rules.yml"


def selects(target: ConfigTarget, document: ConfigDocument) -> bool:
    """Whether the document applies to the target (live or not)."""
    if document.kind != document_kind(target.kind):
        return False
    if document.kind == "alertmanager":
        return document.name == target.alertmanager_config
    if document.name in target.rule_sets:
        return True
    wanted = target.rule_set_labels
    return bool(wanted) and all(document.labels.get(k) == v for k, v in wanted.items())


def applying(session: Session, target: ConfigTarget) -> list[tuple[ConfigDocument, ConfigVersion]]:
    """The live versions of the documents the target gets, by name."""
    kind = document_kind(target.kind)
    query = select(ConfigDocument).where(ConfigDocument.kind == kind)
    out = []
    for document in session.exec(query.order_by(col(ConfigDocument.name))):
        if selects(target, document) and (row := documents.live(session, document)):
            out.append((document, row))
    return out


Pairs = list[tuple[ConfigDocument, ConfigVersion]]


def render(session: Session, target: ConfigTarget, box: SecretBox) -> list[ConfigFile]:
    return _files(target, applying(session, target), box)


def masked(session: Session, target: ConfigTarget) -> dict[str, str]:
    """The target's files now by name, receiver secrets shown as `<secret>`."""
    return {name: row.text for name, row in named(target, applying(session, target))}


def named(target: ConfigTarget, pairs: Pairs) -> list[tuple[str, ConfigVersion]]:
    """Each file's name and the version it holds."""
    if target.kind in RULE_KINDS:
        return [(rule_file_name(d.name), row) for d, row in pairs]
    return [("alertmanager.yml", row) for _d, row in pairs[:1]]


def _files(target: ConfigTarget, pairs: Pairs, box: SecretBox) -> list[ConfigFile]:
    return [ConfigFile(name, documents.rendered(row, box)) for name, row in named(target, pairs)]


def file_names(session: Session, target: ConfigTarget) -> list[str]:
    """The names of the files the target gets (nothing decrypted)."""
    pairs = applying(session, target)
    if target.kind in RULE_KINDS:
        return [rule_file_name(d.name) for d, _row in pairs]
    return ["alertmanager.yml"] if pairs else []


def desired(session: Session, target: ConfigTarget, box: SecretBox) -> DesiredConfig:
    """The target's files now (its version bumped first if they changed)."""
    pairs = applying(session, target)
    files = _files(target, pairs, box)
    if _bump(session, target, files_digest(files), pairs):
        session.add(target)
        session.commit()
    return DesiredConfig(
        target=target.name,
        kind=target.kind,  # type: ignore[arg-type]
        version=target.desired_version,
        digest=target.desired_digest,
        files=files,
    )


def refresh(
    session: Session, targets: Iterable[ConfigTarget], box: SecretBox
) -> list[RolloutInput]:
    """Re-render `targets`; for each whose files changed, bump its version and record a pending
    rollout. The caller commits, then starts the rollouts returned."""
    changed = []
    for target in targets:
        pairs = applying(session, target)
        files = _files(target, pairs, box)
        first = target.desired_version == 0
        if not _bump(session, target, files_digest(files), pairs):
            continue
        session.add(target)
        if first and not files:
            continue  # a new target with nothing to run yet
        rollout = RolloutInput(target.name, target.desired_version, target.desired_digest)
        changed.append(rollout)
        session.add(pending_row(rollout))
    return changed


def pending_row(rollout: RolloutInput) -> ConfigRollout:
    return ConfigRollout(
        target=rollout.target,
        version=rollout.version,
        digest=rollout.digest,
        workflow_id=rollout_id(rollout.target, rollout.digest),
    )


def targets_of(session: Session, document: ConfigDocument) -> list[ConfigTarget]:
    """The targets the document applies to."""
    targets = session.exec(select(ConfigTarget).order_by(col(ConfigTarget.name)))
    return [t for t in targets if selects(t, document)]


def group_clashes(session: Session, document: ConfigDocument, text: str) -> list[Problem]:
    """Group names this rule set's `text` shares with another live rule set at one target."""
    if document.kind != "rules":
        return []
    try:
        mine = set(group_names(yaml.safe_load(text) or {}))
    except yaml.YAMLError:
        return []
    problems = []
    for target in targets_of(session, document):
        for other, row in applying(session, target):
            if other.id == document.id:
                continue
            for name in sorted(mine & set(group_names(yaml.safe_load(row.text) or {}))):
                problems.append(Problem(
                    "", 0, f"group {name!r} is also in rule set {other.name!r}, "
                    f"which target {target.name!r} gets too",
                ))  # fmt: skip
    return problems


def _bump(session: Session, target: ConfigTarget, digest: str, pairs: Pairs) -> bool:
    """A new desired version if the files changed, with the document versions it is made of."""
    if digest == target.desired_digest:
        return False
    target.desired_version += 1
    target.desired_digest, target.desired_at = digest, utcnow()
    sources = [
        {"file": name, "document_id": row.document_id, "version": row.version}
        for name, row in named(target, pairs)
    ]
    session.add(ConfigTargetVersion(
        target=target.name, version=target.desired_version, digest=digest, sources=sources
    ))  # fmt: skip
    return True
