"""The alert analysis' prompt and the schema its answer must satisfy."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from activities.analyze.prompt import BYTES_PER_TOKEN, shorten
from sluice.actions import Excerpt
from store.alert_analyses import GroupFacts
from store.knowledge import cut_bytes, entry_block

SYSTEM_PROMPT = """You analyse groups of monitoring alerts for operations engineers.
You get the group's alerts (labels, annotations), related recent alerts, recent events,
knowledge base entries that matched (each marked [KB-<id>]) and sometimes a log excerpt.
Prefer what the knowledge entries say when they fit; never invent entry ids.
Answer with one JSON object and nothing else:
{"summary": string (<= 3 sentences), "severity": "info"|"low"|"medium"|"high"|"critical",
 "causes": [string, <= 5, most probable first],
 "actions": [{"action": string, "risk": "low"|"medium"|"high"}, <= 5],
 "confidence": number between 0 and 1,
 "knowledge": ["KB-<id>" of the entries you used]}"""

Short = Annotated[str, StringConstraints(min_length=1, max_length=500)]
MAX_ENTRY_BYTES = 1500
MAX_VALUE_CHARS = 300  # of one label or annotation value


class ActionAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Short
    risk: Literal["low", "medium", "high"]


class AlertAnswer(BaseModel):
    """The schema the model's answer must satisfy."""

    model_config = ConfigDict(extra="ignore")

    summary: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    severity: Literal["info", "low", "medium", "high", "critical"]
    causes: Annotated[list[Short], Field(max_length=10)] = []
    actions: Annotated[list[ActionAnswer], Field(max_length=10)] = []
    confidence: Annotated[float, Field(ge=0, le=1)]
    knowledge: Annotated[list[str | int], Field(max_length=20)] = []


def user_prompt(
    facts: GroupFacts, excerpt: Excerpt | None, budget_tokens: int, language: str = ""
) -> str:
    """The facts as compact JSON, the entries and the excerpt, within `budget_tokens`
    (estimated): the excerpt is shortened first, then the entries are cut."""
    group = facts.group
    body: dict[str, Any] = {
        "group": {"route": group.route, "labels": group.group_labels, "status": group.status},
        "alerts": [_alert(a) for a in facts.alerts],
        "related_alerts": [_alert(a, brief=True) for a in facts.related],
        "recent_events": [
            {"kind": e.kind, "at": e.at.isoformat(timespec="seconds"), "alert": e.fingerprint}
            for e in facts.events
        ],
    }
    said = f"\nWrite the text fields in language: {language}." if language else ""
    head = f"Facts: {json.dumps(body, ensure_ascii=False)}{said}"
    entries = [entry_block(e, MAX_ENTRY_BYTES) for e in facts.knowledge]
    budget = budget_tokens * BYTES_PER_TOKEN - len(SYSTEM_PROMPT.encode())
    room = budget - len(head.encode()) - sum(len(e.encode()) for e in entries) - 64
    parts = [head]
    if entries:
        parts.append("Knowledge entries:\n\n" + "\n\n".join(entries))
    if excerpt is not None and room > 512:
        parts.append("Log excerpt:\n" + shorten(excerpt.text, room))
    return cut_bytes("\n\n".join(parts), budget)


def _alert(alert: Any, *, brief: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"status": alert.status, "labels": _bounded(alert.labels)}
    if not brief:
        out["annotations"] = _bounded(alert.annotations)
        out["starts_at"] = alert.starts_at.isoformat(timespec="seconds")
    else:
        out["summary"] = str(alert.annotations.get("summary", ""))[:MAX_VALUE_CHARS]
    return out


def _bounded(values: dict[str, Any]) -> dict[str, str]:
    return {str(k)[:100]: str(v)[:MAX_VALUE_CHARS] for k, v in list(values.items())[:40]}
