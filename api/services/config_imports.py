"""Adopting running targets: their config read over HTTP and saved as a draft version."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.services import config_documents as documents
from api.services import config_render as render
from sluice.config_sync.imports import alertmanager_config, fetch_json, prometheus_rule_file
from sluice.secretbox import SecretBox
from sluice.settings import Settings
from store.models import ConfigDocument, ConfigTarget, ConfigVersion


async def read_running(target: ConfigTarget, *, within: float) -> str:
    """The running config's text: a rule file of a Prometheus' (or vmalert's) loaded groups, or
    an Alertmanager's config (its secrets shown as <secret>); ImportFailed if unreadable."""
    if target.kind in render.RULE_KINDS:
        answer = await run_in_threadpool(fetch_json, target.url, "/api/v1/rules", within)
        return prometheus_rule_file(answer)
    answer = await run_in_threadpool(fetch_json, target.url, "/api/v2/status", within)
    return alertmanager_config(answer)


def save_import(
    session: Session,
    target: ConfigTarget,
    *,
    name: str,
    text: str,
    comment: str,
    actor: str,
    settings: Settings,
) -> tuple[ConfigDocument, ConfigVersion]:
    """`text` as a draft version of the document `name` (created if new, with the target's
    labels); the target's selector is left alone, so nothing ships until someone publishes."""
    kind = render.document_kind(target.kind)
    document = documents.get_document(session, kind=kind, name=name)
    if document is None:
        document = documents.create_document(
            session, kind=kind, name=name, labels=dict(target.labels)
        )
    row = documents.save_version(
        session, document, text=text, comment=comment or f"imported from {target.url}",
        actor=actor, box=SecretBox.of(settings.notifications),
        timeout=settings.config_sync.check_timeout, draft="keep",
    )  # fmt: skip
    return document, row
