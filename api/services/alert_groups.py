"""Alert groups: the read model (list, one group with its alerts and timeline) and the
operators' decisions, sent to the group's workflow as updates.

The list pages most recently changed first on (updated_at, id) (api/services/keyset.py),
an index range scan with or without a status filter. A group changes while it is paged:
a page only ever goes further back, so one pass never shows a group twice, and a group that
changes during the pass jumps ahead of it (it is shown again, changed, from the first page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from api.services.keyset import Keyset, Page, Position, decode_cursor, page_of
from sluice.alerting.routing import GROUP_PREFIX
from sluice.contracts.alert_analysis import (
    ALERT_ANALYSIS_WORKFLOW,
    ANALYSIS_PREFIX,
    AnalysisRequest,
)
from sluice.contracts.alert_groups import GroupState
from store import alert_analyses
from store.knowledge_matches import matches_of
from store.models import (
    Alert,
    AlertAnalysisPublic,
    AlertEvent,
    AlertGroup,
    AlertGroupAlert,
    AlertGroupAnalysis,
    AlertGroupDetail,
    AlertGroupEvent,
    AlertGroupMember,
    AlertGroupPublic,
    AlertGroupRef,
    AlertGroupState,
)

GROUPS = Keyset(AlertGroup.updated_at, AlertGroup.id)
MAX_TIMELINE = 500
GONE = (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)


class DecisionRefused(Exception):
    """The group's workflow refused the decision (its validator), or is not running."""


def list_groups(
    session: Session,
    *,
    status: str | None,
    route: str | None,
    assignee: str | None = None,
    acked: bool | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[AlertGroup]:
    """A page of groups, most recently changed first; InvalidCursor for a forged cursor."""
    query = select(AlertGroup)
    if status:
        query = query.where(AlertGroup.status == status)
    if route:
        query = query.where(AlertGroup.route == route)
    if assignee:
        query = query.where(AlertGroup.assignee == assignee)
    if acked is not None:
        query = query.where((AlertGroup.acked_by != "") if acked else (AlertGroup.acked_by == ""))
    if cursor is not None:
        query = query.where(GROUPS.before(decode_cursor(cursor)))
    rows = session.exec(query.order_by(*GROUPS.order()).limit(limit + 1)).all()
    return page_of(rows, limit=limit, window_end=None, position=_position)


def _position(group: AlertGroup) -> Position:
    return group.updated_at, group.id


def groups_of(session: Session, fingerprint: str) -> list[AlertGroupRef]:
    """The groups an alert is a member of, most recently changed first."""
    rows = session.exec(
        select(AlertGroup)
        .join(AlertGroupMember, col(AlertGroupMember.group_id) == col(AlertGroup.id))
        .where(AlertGroupMember.fingerprint == fingerprint)
        .order_by(*GROUPS.order())
    ).all()
    return [AlertGroupRef.model_validate(row, from_attributes=True) for row in rows]


def get_group(session: Session, group_id: str) -> AlertGroupDetail | None:
    group = session.get(AlertGroup, group_id)
    if group is None:
        return None
    rows = session.exec(
        select(AlertGroupMember, Alert)
        .join(Alert, col(Alert.fingerprint) == col(AlertGroupMember.fingerprint))
        .where(AlertGroupMember.group_id == group_id)
        .order_by(col(Alert.starts_at), col(Alert.fingerprint))
    ).all()
    alerts = [
        AlertGroupAlert(
            fingerprint=a.fingerprint, status=a.status, severity=a.severity, labels=a.labels,
            annotations=a.annotations, starts_at=a.starts_at, ends_at=a.ends_at,
            notified=m.notified, held_back=m.reason,
        )
        for m, a in rows
    ]  # fmt: skip
    fingerprints = [a.fingerprint for a in alerts]
    events = session.exec(
        select(AlertEvent)
        .where(col(AlertEvent.fingerprint).in_(fingerprints))
        .order_by(col(AlertEvent.id).desc())
        .limit(MAX_TIMELINE)
    ).all()
    timeline = [AlertGroupEvent.model_validate(e, from_attributes=True) for e in reversed(events)]
    return AlertGroupDetail(
        **AlertGroupPublic.model_validate(group).model_dump(),
        alerts=alerts,
        timeline=timeline,
        knowledge=matches_of(session, group_id),
        analysis=_public(alert_analyses.latest(session, group_id)),
    )


def _public(row: AlertGroupAnalysis | None) -> AlertAnalysisPublic | None:
    return alert_analyses.public(row) if row is not None else None


def analyses(session: Session, group_id: str) -> list[AlertAnalysisPublic]:
    return [alert_analyses.public(row) for row in alert_analyses.history(session, group_id)]


async def start_analysis(client: Client, group_id: str, actor: str, task_queue: str) -> str:
    """Start the group's on-demand analysis, or join the one already running: its id."""
    workflow_id = ANALYSIS_PREFIX + group_id.removeprefix(GROUP_PREFIX)
    await client.start_workflow(
        ALERT_ANALYSIS_WORKFLOW, AnalysisRequest(group_id, "on_demand", actor),
        id=workflow_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )  # fmt: skip
    return workflow_id


async def decide(client: Client, group_id: str, update: str, arg: Any) -> AlertGroupState:
    """Run the update `update` of the group's workflow; DecisionRefused if it says no."""
    handle = client.get_workflow_handle(group_id)
    try:
        state = await handle.execute_update(update, arg, result_type=GroupState)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise DecisionRefused(getattr(cause, "message", None) or str(cause)) from None
    except RPCError as exc:
        if exc.status in GONE:
            raise DecisionRefused("the group has no running workflow (all resolved)") from None
        raise
    return AlertGroupState(id=group_id, **_fields(state))


def _fields(state: GroupState) -> dict[str, Any]:
    until: datetime | None = state.acked_until
    return {"firing": state.firing, "acked_by": state.acked_by,
            "acked_on_behalf_of": state.acked_on_behalf_of, "acked_until": until,
            "assignee": state.assignee, "escalation_step": state.escalation_step}  # fmt: skip
