"""Reading what the alert decisions need: the live routing document and the silences that
may be in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import yaml
from sqlalchemy import Connection, select

from sluice.alerting.routing import AlertRouting
from store.models import AlertRoutingVersion, Silence

VERSIONS = AlertRoutingVersion.__table__  # type: ignore[attr-defined]
SILENCES = Silence.__table__  # type: ignore[attr-defined]
LIVE_VERSION = (  # built once: every delivery asks
    select(VERSIONS.c.version, VERSIONS.c.text)
    .where(VERSIONS.c.published_at.is_not(None))
    .order_by(VERSIONS.c.published_at.desc(), VERSIONS.c.version.desc())
    .limit(1)
)


@dataclass(frozen=True)
class LiveRouting:
    version: int  # 0: nothing published yet, the built-in default route only
    routing: AlertRouting


def live_routing(conn: Connection) -> LiveRouting:
    """The version published last (a rollback publishes an older one again)."""
    row = conn.execute(LIVE_VERSION).first()
    if row is None:
        return LiveRouting(0, AlertRouting())
    return LiveRouting(row.version, _parsed(row.text))


@lru_cache(maxsize=8)
def _parsed(text: str) -> AlertRouting:
    """`parse_routing`, once per text: every delivery routes under the live version, and
    parsing its YAML each time cost more than the rest of routing. Callers only read it."""
    return parse_routing(text)


def parse_routing(text: str) -> AlertRouting:
    """A stored version; it was validated when saved. ValueError/ValidationError if not."""
    return AlertRouting.model_validate(yaml.safe_load(text) or {})


def silences_in_span(conn: Connection, now: datetime) -> list[Silence]:
    """Silences whose span holds `now` (recurring ones also need a window: silenced_by)."""
    rows = conn.execute(
        select(SILENCES).where(SILENCES.c.starts_at <= now, SILENCES.c.ends_at > now)
    ).mappings()
    return [Silence.model_validate(dict(row)) for row in rows]
