"""What an alert group's messages show: the template values of alerts and of the group, and
the message made of them by the routing document's template or the built-in one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notify.senders import Message
from activities.notify.templates import render_message
from sluice.alerting.templates import AlertTemplate
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


def render_alert_message(
    event: str,
    values: dict[str, Any],
    template: AlertTemplate | None = None,
    mentions: list[str] | None = None,
    *,
    language: str = "en",
) -> tuple[Message, str]:
    """The message, and why the routing document's `template` was not used ("" if it was).

    A rule's template that fails fails its notification (activities/notify). A routing
    document's template was rendered with sample values when it was saved, so a failure now
    comes from the values: the built-in template still tells people, and the same error text
    is recorded on the alert events instead."""
    why = ""
    if template is not None:
        try:
            return _message(event, values, template, mentions, language), ""
        except Exception as exc:  # the user's template: never lose the notification for it
            why = f"message template for {event}: {type(exc).__name__}: {exc}"[:500]
            activity.logger.warning("%s; the built-in template was used", why)
    try:
        return _message(event, values, None, mentions, language), why
    except Exception as exc:  # a built-in template error: retrying won't help
        raise ApplicationError(
            f"message template for {event}: {type(exc).__name__}: {exc}",
            type="invalid_input",
            non_retryable=True,
        ) from exc


def _message(
    event: str,
    values: dict[str, Any],
    template: AlertTemplate | None,
    mentions: list[str] | None,
    language: str,
) -> Message:
    own = template or AlertTemplate.model_construct()
    return render_message(
        event, values, title=own.title, text=own.text, mentions=mentions, language=language
    )
