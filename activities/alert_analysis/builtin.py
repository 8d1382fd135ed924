"""The built-in analysis of an alert group, used when no LLM answers: what the alerts say,
what the matched knowledge entries say, and what the log excerpt's findings say."""

from __future__ import annotations

from activities.analyze.builtin import SEVERITIES, builtin_analysis
from sluice.actions import Excerpt
from store.alert_analyses import GroupFacts
from store.models import AlertGroupAnalysis
from store.models.knowledge import entry_key

# Alert severity labels in the analysis' vocabulary (others count as medium).
_LEVELS = {
    "critical": "critical", "fatal": "critical", "page": "critical", "p1": "critical",
    "error": "high", "high": "high", "major": "high", "p2": "high",
    "warning": "medium", "warn": "medium", "medium": "medium", "p3": "medium",
    "info": "low", "low": "low", "minor": "low", "none": "info",
}  # fmt: skip
MAX_TEXT = 500


def builtin_alert_analysis(facts: GroupFacts, excerpt: Excerpt | None) -> AlertGroupAnalysis:
    firing = [a for a in facts.alerts if a.status == "firing"] or facts.alerts
    names = sorted({str(a.labels.get("alertname", "")) for a in firing} - {""})
    severity = max(
        (_LEVELS.get(a.severity.lower(), "medium") for a in firing), key=SEVERITIES.index,
        default="info",
    )  # fmt: skip
    where = ", ".join(f"{k}={v}" for k, v in sorted(facts.group.group_labels.items()))
    summary = f"{len(firing)} alert(s) {firing[0].status if firing else 'in the group'}"
    summary += f": {', '.join(names[:5])}" if names else ""
    summary += f" ({where})." if where else "."
    causes: list[str] = []
    actions: list[dict[str, str]] = []
    for entry in facts.knowledge:
        if entry.cause:
            causes.append(f"{entry.cause[:MAX_TEXT]} [{entry_key(entry.id or 0)}]")
        step = _first_step(entry.resolution)
        if step:
            actions.append({"action": f"{step} [{entry_key(entry.id or 0)}]", "risk": "unknown"})
    if facts.knowledge:
        summary += (
            f" Known issue: {facts.knowledge[0].title} [{entry_key(facts.knowledge[0].id or 0)}]."
        )
    if excerpt is not None:
        found = builtin_analysis(excerpt)
        severity = max(severity, found.severity, key=SEVERITIES.index)
        causes += found.causes
        actions += [{"action": s, "risk": "unknown"} for s in found.suggestions]
        summary += f" Log: {found.summary[:300]}"
    described = [str(a.annotations.get("description") or a.annotations.get("summary") or "")
                 for a in firing[:3]]  # fmt: skip
    if not causes:
        causes = [d[:MAX_TEXT] for d in dict.fromkeys(described) if d][:3]
    confidence = 0.6 if facts.knowledge else 0.3
    return AlertGroupAnalysis(
        group_id=facts.group.id, summary=summary[:2000], severity=severity, causes=causes[:5],
        actions=actions[:5], confidence=confidence,
        knowledge=[e.id for e in facts.knowledge if e.id is not None], model="builtin",
    )  # fmt: skip


def _first_step(resolution: str) -> str:
    """The first non-empty line of a resolution, without its list marker."""
    for line in resolution.splitlines():
        text = line.strip().lstrip("-*0123456789.) ").strip()
        if text:
            return text[:MAX_TEXT]
    return ""
