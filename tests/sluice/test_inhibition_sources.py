"""The firing alerts a flush takes as inhibition sources: only those some inhibit rule's
source matches, read in batches, every one of them (no cap), on SQLite and PostgreSQL."""

from typing import Any

from sqlalchemy import Engine, insert

from sluice.alerting.routing import AlertRouting
from store.alert_groups import ALERTS, SOURCE_BATCH, inhibition_sources

RULE: dict[str, Any] = {"name": "critical-mutes-warning", "source": ['severity="critical"'],
        "target": ['severity="warning"'], "equal": ["cluster"]}  # fmt: skip


def routing(*rules: dict[str, Any]) -> AlertRouting:
    return AlertRouting.model_validate({"default": {"name": "default"}, "inhibit_rules": rules})


def test_only_firing_alerts_a_rule_takes_as_source_are_read_past_one_batch(
    db_engine: Engine,
) -> None:
    total = 3 * SOURCE_BATCH
    rows = [
        {
            "fingerprint": f"{i:016x}",
            "status": "firing" if i % 7 else "resolved",
            "labels": {
                "alertname": "Disk",
                "cluster": f"c{i}",
                "severity": "critical" if i % 10 == 0 else "warning",
            },
        }
        for i in range(total)
    ]
    with db_engine.begin() as conn:
        conn.execute(insert(ALERTS), rows)
    expected = {
        r["labels"]["cluster"]  # type: ignore[index]
        for r in rows
        if r["status"] == "firing" and r["labels"]["severity"] == "critical"  # type: ignore[index]
    }
    with db_engine.connect() as conn:
        sources = inhibition_sources(conn, routing(RULE))
        assert len(expected) > SOURCE_BATCH // 10  # sources spread over every batch
        assert {labels["cluster"] for labels in sources} == expected
        assert len(sources) == len(expected)
        assert inhibition_sources(conn, routing()) == []  # no rules: nothing is read
