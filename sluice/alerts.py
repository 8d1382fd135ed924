"""Alerts as Alertmanager and Prometheus send them, checked and reduced to one shape.

Two payloads reach Sluice: Alertmanager's webhook (version 4, a notification about a group)
and the array Prometheus and vmalert post to an Alertmanager's `/api/v2/alerts`. Both become
`IncomingAlert`s keyed by the fingerprint Alertmanager would give the label set, so the same
alert from either path is one row. Label names follow Prometheus (`[a-zA-Z_][a-zA-Z0-9_]*`)
and every size is capped, so a delivery is refused whole (400) rather than stored in part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Limits of one delivery: more alerts is a 413; bigger bodies stop at the API's body limit.
MAX_ALERTS = 1000
MAX_LABELS = 64  # label pairs, and annotation pairs, per alert
MAX_NAME_CHARS = 256
MAX_LABEL_VALUE_CHARS = 4096
MAX_ANNOTATION_CHARS = 16_384
MAX_URL_CHARS = 4096
MAX_SEVERITY_CHARS = 256  # the `severity` label, which is a column of its own

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Go's zero time: Alertmanager's endsAt while an alert fires (and unset startsAt).
GO_ZERO_YEAR = 1

FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
SEPARATOR = 0xFF  # model.SeparatorByte: never valid UTF-8, so it cannot occur in a label


class TooManyAlerts(ValueError):
    """A delivery with more than MAX_ALERTS alerts (a 413, not a 400)."""


def _check_names(pairs: dict[str, str]) -> dict[str, str]:
    if len(pairs) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} pairs, got {len(pairs)}")
    for name in pairs:  # an ASCII identifier is exactly LABEL_NAME, checked at C speed
        if len(name) > MAX_NAME_CHARS or not (name.isascii() and name.isidentifier()):
            raise ValueError(f"invalid label name {name[:MAX_NAME_CHARS]!r}")
    return pairs


def _check_labels(pairs: dict[str, str]) -> dict[str, str]:
    if not pairs:
        raise ValueError("an alert needs at least one label")
    if len(pairs.get("severity", "")) > MAX_SEVERITY_CHARS:
        raise ValueError(f"the severity label is at most {MAX_SEVERITY_CHARS} characters")
    return pairs


def _utf8(text: str) -> str:
    """`text` if UTF-8 can hold it: a lone surrogate (a JSON escape such as \\ud800) cannot
    be hashed as Alertmanager does, nor stored in PostgreSQL."""
    if text.isascii():  # a flag CPython keeps: no encoding needed
        return text
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text (it has a lone surrogate)") from None
    return text


Text = Annotated[str, AfterValidator(_utf8)]
LabelValue = Annotated[Text, StringConstraints(max_length=MAX_LABEL_VALUE_CHARS)]
AnnotationValue = Annotated[Text, StringConstraints(max_length=MAX_ANNOTATION_CHARS)]
Labels = Annotated[
    dict[Text, LabelValue], AfterValidator(_check_names), AfterValidator(_check_labels)
]
Annotations = Annotated[dict[Text, AnnotationValue], AfterValidator(_check_names)]
OptionalNames = Annotated[dict[Text, LabelValue], AfterValidator(_check_names)]
Url = Annotated[Text, StringConstraints(max_length=MAX_URL_CHARS)]


class PostableAlert(BaseModel):
    """One alert of `POST /api/v2/alerts`: no status and no fingerprint, both derived."""

    model_config = ConfigDict(extra="ignore")

    labels: Labels
    annotations: Annotations = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: Url = ""


class WebhookAlert(PostableAlert):
    status: Literal["firing", "resolved"]
    fingerprint: str = ""


class WebhookMessage(BaseModel):
    """Alertmanager's webhook notification, version 4 (the version is checked first)."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: Annotated[Text, StringConstraints(max_length=MAX_ANNOTATION_CHARS)]
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"]
    receiver: Annotated[Text, StringConstraints(max_length=MAX_NAME_CHARS)]
    groupLabels: OptionalNames = Field(default_factory=dict)
    commonLabels: OptionalNames = Field(default_factory=dict)
    commonAnnotations: Annotations = Field(default_factory=dict)
    externalURL: Url = ""
    alerts: list[WebhookAlert]


@dataclass(frozen=True)
class IncomingAlert:
    """An alert as one delivery states it, ready to be written."""

    fingerprint: str
    status: str  # firing | resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None  # None if the sender did not say: the stored one stands
    ends_at: datetime | None
    generator_url: str

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's fingerprint of a label set (prometheus/common `LabelSet.Fingerprint`).

    FNV-1a 64 over each name and value in name order, each followed by 0xff, as 16 hex digits.
    """
    value = FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode(), SEPARATOR):
                value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC, or None for a missing or Go-zero time (naive means UTC)."""
    if value is None or value.year <= GO_ZERO_YEAR:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_count(n: int) -> None:
    """TooManyAlerts if a delivery of `n` alerts is over the cap (checked before parsing)."""
    if n > MAX_ALERTS:
        raise TooManyAlerts(f"at most {MAX_ALERTS} alerts per delivery, got {n}")


def from_webhook(message: WebhookMessage, now: datetime) -> list[IncomingAlert]:
    """The alerts of an Alertmanager notification. The fingerprint is recomputed from the
    labels (Alertmanager's own is the same hash), so a sender cannot split one alert in two."""
    return [
        IncomingAlert(
            fingerprint=fingerprint(alert.labels),
            status=alert.status,
            labels=alert.labels,
            annotations=alert.annotations,
            starts_at=_utc(alert.startsAt),
            ends_at=_utc(alert.endsAt) if alert.status == "resolved" else None,
            generator_url=alert.generatorURL,
        )
        for alert in message.alerts
    ]


def from_postable(alerts: list[PostableAlert], now: datetime) -> list[IncomingAlert]:
    """Prometheus's and vmalert's alerts: resolved once `endsAt` has passed, as Alertmanager
    decides; a firing alert's future `endsAt` is only when it would lapse, not kept."""
    incoming = []
    for alert in alerts:
        ends_at = _utc(alert.endsAt)
        resolved = ends_at is not None and ends_at <= now
        incoming.append(
            IncomingAlert(
                fingerprint=fingerprint(alert.labels),
                status="resolved" if resolved else "firing",
                labels=alert.labels,
                annotations=alert.annotations,
                starts_at=_utc(alert.startsAt),
                ends_at=ends_at if resolved else None,
                generator_url=alert.generatorURL,
            )
        )
    return incoming
