"""Prometheus metrics of alert groups: alerts told, alerts held back by reason, escalations.

Every label set exists at 0 from import on (see activities/analyze/metrics.py for why)."""

from __future__ import annotations

from prometheus_client import Counter

NOTIFIED = Counter(
    "sluice_alerts_notified_total",
    "Alerts in group messages, by what they were told as (firing, repeat, resolved)",
    ["kind"],
)
SUPPRESSED = Counter(
    "sluice_alerts_suppressed_total",
    "Alerts held back from notifications, by reason (silenced, inhibited, inactive)",
    ["reason"],
)
ESCALATIONS = Counter(
    "sluice_alert_escalations_total", "Escalation steps that notified, by policy", ["policy"]
)
for _kind in ("firing", "repeat", "resolved"):
    NOTIFIED.labels(_kind)
for _reason in ("silenced", "inhibited", "inactive"):
    SUPPRESSED.labels(_reason)
