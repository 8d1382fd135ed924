"""What an alert group's messages show: the template values of alerts and of the group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sluice.alerting.windows import Windows

MAX_OPENING_SCAN = timedelta(days=8)


def alert_values(alert: Mapping[str, Any]) -> dict[str, Any]:
    labels = dict(alert["labels"])
    annotations = dict(alert["annotations"])
    ends = alert.get("ends_at")
    return {
        "fingerprint": alert["fingerprint"],
        "alertname": labels.get("alertname", ""),
        "severity": alert.get("severity", ""),
        "status": alert["status"],
        "labels": labels,
        "annotations": annotations,
        "summary": annotations.get("summary", ""),
        "description": annotations.get("description", ""),
        "starts_at": alert["starts_at"].isoformat(),
        "ends_at": ends.isoformat() if ends else "",
        "generator_url": alert.get("generator_url", ""),
    }


def group_values(
    group_id: str, route: str, labels: Mapping[str, str], public_url: str, assignee: str = ""
) -> dict[str, Any]:
    title = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))[:200] or route
    url = f"{public_url.rstrip('/')}/api/v1/alert-groups/{group_id}" if public_url else ""
    return {"id": group_id, "route": route, "labels": dict(labels), "title": title,
            "url": url, "assignee": assignee}  # fmt: skip


def picked(
    alerts: Mapping[str, Mapping[str, Any]], fingerprints: Sequence[str]
) -> list[dict[str, Any]]:
    return [alert_values(alerts[fp]) for fp in fingerprints if fp in alerts]


def seconds_to_open(windows: Windows, now: datetime) -> float | None:
    """Seconds until `windows` next holds (to the minute); 0 if it holds now."""
    step = timedelta(minutes=1)
    moment = now
    while moment - now <= MAX_OPENING_SCAN:
        if windows.contains(moment):
            return max((moment - now).total_seconds(), 0.0)
        moment = (moment + step).replace(second=0, microsecond=0)
    return None
