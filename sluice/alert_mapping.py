"""Alerts from any JSON webhook, read through a mapping an admin saved for the sender.

A mapping names where each part of an alert sits in the sender's body, as plain paths
(`data.alerts`, `event.tags.host`, `items[0].id`): keys and list indexes, nothing evaluated.
A path ending in `?` may be missing; any other path that is missing refuses the delivery,
naming the field, so nothing is stored from a body the mapping does not fit.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from sluice.alerts import (
    LABEL_NAME,
    MAX_LABEL_VALUE_CHARS,
    IncomingAlert,
    PostableAlert,
    check_count,
    fingerprint,
)
from sluice.alerts import _utc as utc

MAX_PATH_CHARS = 256
MAX_PATH_PARTS = 32
MAX_FIELDS = 64
SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]{0,23}$"  # the alerts' source is `webhook:<name>` (≤ 32)
_PART = re.compile(r"([^.\[\]]+)((?:\[\d{1,6}\])*)")
_INDEX = re.compile(r"\[(\d+)\]")


class MappingError(ValueError):
    """A delivery the mapping does not fit; the message names the field and its path."""


def parse_path(text: str) -> tuple[str | int, ...]:
    """`a.b[0].c` → ("a", "b", 0, "c"); ValueError says what is wrong with the path."""
    path = text.removesuffix("?")
    if not path or len(text) > MAX_PATH_CHARS:
        raise ValueError(f"a path is 1 to {MAX_PATH_CHARS} characters")
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(f"{text!r} is not a path like `data.alerts` or `items[0].id`")
        steps.append(match.group(1))
        steps.extend(int(n) for n in _INDEX.findall(match.group(2)))
    if len(steps) > MAX_PATH_PARTS:
        raise ValueError(f"a path has at most {MAX_PATH_PARTS} parts")
    return tuple(steps)


def _path(text: str) -> str:
    parse_path(text)
    return text


def _names(fields: dict[str, Any]) -> dict[str, Any]:
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} entries")
    for name in fields:
        if not LABEL_NAME.fullmatch(name) or len(name) > MAX_PATH_CHARS:
            raise ValueError(f"{name!r} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
    return fields


Path = Annotated[str, AfterValidator(_path)]
PathFields = Annotated[dict[str, Path], AfterValidator(_names)]
StaticLabels = Annotated[
    dict[str, Annotated[str, Field(max_length=MAX_LABEL_VALUE_CHARS)]], AfterValidator(_names)
]

ResolvedValues = Annotated[list[Annotated[str, Field(max_length=256)]], Field(max_length=32)]


class AlertMapping(BaseModel):
    """Where the parts of an alert are in a sender's JSON (see docs/alerts.md)."""

    model_config = ConfigDict(extra="forbid")

    alerts: Path | None = None  # the list of alerts; without it the body is one alert
    labels: Path | None = None  # an object whose entries are labels
    label_fields: PathFields = {}  # label name → path
    static_labels: StaticLabels = {}
    severity: Path | None = None
    summary: Path | None = None
    description: Path | None = None
    annotation_fields: PathFields = {}
    status: Path | None = None
    resolved_values: ResolvedValues = ["resolved", "ok", "OK", "closed", "recovered"]
    starts_at: Path | None = None
    ends_at: Path | None = None
    generator_url: Path | None = None

    @model_validator(mode="after")
    def _storable(self) -> AlertMapping:
        """Text UTF-8 can hold: a lone surrogate (`\\ud800`) cannot be stored in PostgreSQL."""
        try:
            json.dumps(self.model_dump(), ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ValueError("is not valid Unicode text (it has a lone surrogate)") from None
        return self

    def check_labels_possible(self) -> None:
        """ValueError unless some label can come out of the mapping (an alert needs one)."""
        if not (self.labels or self.label_fields or self.static_labels or self.severity):
            raise ValueError("a mapping needs labels, label_fields, static_labels or severity")


_MISSING = object()


def lookup(document: Any, path: str) -> Any:
    """The value at `path`, or MappingError naming it; None if optional (`?`) and missing."""
    value = document
    for step in parse_path(path):
        indexable = isinstance(step, int) and isinstance(value, list) and step < len(value)
        if indexable or (isinstance(step, str) and isinstance(value, dict) and step in value):
            value = value[step]
        else:
            value = _MISSING
            break
    if value is _MISSING or value is None:
        if path.endswith("?"):
            return None
        raise MappingError(f"missing at `{path}`")
    return value


def _scalar(value: Any, field: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MappingError(f"{field}: expected text or a number, got {type(value).__name__}")


def _field(document: Any, path: str | None, field: str) -> str | None:
    if path is None:
        return None
    try:
        value = lookup(document, path)
    except MappingError as exc:
        raise MappingError(f"{field}: {exc}") from None
    return None if value is None else _scalar(value, field)


def alert_documents(mapping: AlertMapping, body: Any) -> list[Any]:
    """The alerts of a delivery: the list at `mapping.alerts`, or the body as one alert."""
    if mapping.alerts is None:
        return [body]
    try:
        found = lookup(body, mapping.alerts)
    except MappingError as exc:
        raise MappingError(f"alerts: {exc}") from None
    if found is None:
        return []
    if not isinstance(found, list):
        raise MappingError(f"alerts: expected a list at `{mapping.alerts}`")
    check_count(len(found))
    return found


def map_alert(mapping: AlertMapping, document: Any, now: datetime) -> IncomingAlert:
    """One alert read from `document`; MappingError names the first field that does not fit."""
    labels: dict[str, str] = {}
    if mapping.labels is not None:
        found = lookup_field(document, mapping.labels, "labels")
        if found is not None:
            if not isinstance(found, dict):
                raise MappingError(f"labels: expected an object at `{mapping.labels}`")
            labels.update({str(k): _scalar(v, f"labels.{k}") for k, v in found.items()})
    for name, path in mapping.label_fields.items():
        label = _field(document, path, f"label_fields.{name}")
        if label is not None:
            labels[name] = label
    labels.update(mapping.static_labels)
    severity = _field(document, mapping.severity, "severity")
    if severity is not None:
        labels["severity"] = severity
    annotations = {}
    named = {"summary": mapping.summary, "description": mapping.description}
    fields: list[tuple[str, str | None, str]] = [(k, p, k) for k, p in named.items()]
    fields += [(k, p, f"annotation_fields.{k}") for k, p in mapping.annotation_fields.items()]
    for key, where, field in fields:
        value = _field(document, where, field)
        if value is not None:
            annotations[key] = value
    raw = {
        "labels": labels, "annotations": annotations,
        "startsAt": _time(document, mapping.starts_at, "starts_at"),
        "endsAt": _time(document, mapping.ends_at, "ends_at"),
        "generatorURL": _field(document, mapping.generator_url, "generator_url") or "",
    }  # fmt: skip
    try:
        alert = PostableAlert.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MappingError(f"{where}: {first['msg']}") from None
    ends_at = utc(alert.endsAt)
    state = _field(document, mapping.status, "status")
    if state is not None:
        resolved = state in mapping.resolved_values
    else:
        resolved = ends_at is not None and ends_at <= now
    return IncomingAlert(
        fingerprint=fingerprint(alert.labels),
        status="resolved" if resolved else "firing",
        labels=alert.labels,
        annotations=alert.annotations,
        starts_at=utc(alert.startsAt),
        ends_at=(ends_at or now) if resolved else None,
        generator_url=alert.generatorURL,
    )


def lookup_field(document: Any, path: str, field: str) -> Any:
    try:
        return lookup(document, path)
    except MappingError as exc:
        raise MappingError(f"{field}: {exc}") from None


def _time(document: Any, path: str | None, field: str) -> Any:
    """A time as ISO 8601 text or Unix seconds (pydantic reads both)."""
    if path is None:
        return None
    value = lookup_field(document, path, field)
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        raise MappingError(f"{field}: expected a time, got {type(value).__name__}")
    return value


def map_delivery(mapping: AlertMapping, body: Any, now: datetime) -> list[IncomingAlert]:
    """Every alert of a delivery, or MappingError naming the alert and field that failed."""
    documents = alert_documents(mapping, body)
    alerts = []
    for n, document in enumerate(documents):
        try:
            alerts.append(map_alert(mapping, document, now))
        except MappingError as exc:
            where = f"alert {n}: " if mapping.alerts is not None else ""
            raise MappingError(f"{where}{exc}") from None
    return alerts
