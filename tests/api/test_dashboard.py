"""Dashboard and daily report on SQLite and PostgreSQL, against rows seeded by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from sluice.settings import ReportSettings, Settings
from store.models import AgentStatus, Role, utcnow
from tests.api.seeding import KiB, MiB, seed_agent, seed_rule, seed_task
from tests.api.tokens import bearer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, reports=ReportSettings(time_zone="Asia/Shanghai"))
    with TestClient(create_app(settings), headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_dashboard_of_a_range_counts_what_was_created_in_it(
    client: TestClient, db_engine: Engine
) -> None:
    hot, cold = seed_rule(db_engine, "hot"), seed_rule(db_engine, "cold")
    seed_task(db_engine, at(0.1), "succeeded", size=1 * MiB, dwell_s=60, rule_id=hot)
    seed_task(db_engine, at(0.2), "succeeded", size=2 * MiB, dwell_s=120, rule_id=hot)
    seed_task(db_engine, at(1.5), "failed", error_class="network", rule_id=hot)
    seed_task(db_engine, at(1.6), "failed", error_class="network", rule_id=cold)
    seed_task(db_engine, at(1.7), "failed", error_class="auth", rule_id=hot)
    seed_task(db_engine, at(2.0), "failed")  # no class, no rule
    seed_task(db_engine, at(5.0), "succeeded", size=512 * KiB, dwell_s=300, rule_id=cold)
    seed_task(db_engine, at(5.1), "cancelled")
    seed_task(db_engine, at(5.2), "ignored")
    seed_task(db_engine, at(5.3), "running")
    seed_task(
        db_engine, T0 + timedelta(hours=24, seconds=-1), "succeeded", size=5 * MiB, dwell_s=600
    )
    seed_task(db_engine, T0 - timedelta(seconds=1), "succeeded", dwell_s=1)  # before the range
    seed_task(db_engine, at(24), "failed", error_class="network")  # after it

    response = client.get(
        "/api/v1/dashboard", params={"from": T0.isoformat(), "to": at(24).isoformat()}
    )
    assert response.status_code == 200, response.text
    body = response.json()

    assert body["window"] == {
        "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "bucket_seconds": 3600,
    }  # fmt: skip
    uploaded = (1 + 2 + 5) * MiB + 512 * KiB
    assert body["totals"] == {
        "files": 11, "succeeded": 4, "failed": 4, "cancelled": 1, "ignored": 1,
        "in_progress": 1, "bytes": uploaded, "success_rate": 0.5,
    }  # fmt: skip
    buckets = body["buckets"]
    assert len(buckets) == 24 and buckets[5]["start"] == "2026-01-01T05:00:00Z"
    busy = {
        i: (b["files"], b["succeeded"], b["failed"], b["bytes"])
        for i, b in enumerate(buckets)
        if b["files"]
    }
    assert busy == {
        0: (2, 2, 0, 3 * MiB),
        1: (3, 0, 3, 0),
        2: (1, 0, 1, 0),
        5: (4, 1, 0, 512 * KiB),
        23: (1, 1, 0, 5 * MiB),
    }
    # nearest rank over 60, 120, 300, 600 s: p50 is the 2nd, p95 the 4th
    assert body["dwell"] == {"count": 4, "p50_s": 120.0, "p95_s": 600.0, "max_s": 600.0}
    throughput = body["throughput"]
    assert throughput["files_per_hour"] == pytest.approx(4 / 24)
    assert throughput["bytes_per_second"] == pytest.approx(uploaded / 86400)
    assert body["failures_by_class"] == [  # ties in order of the class ("" first)
        {"error_class": "network", "count": 2},
        {"error_class": "unclassified", "count": 1},
        {"error_class": "auth", "count": 1},
    ]
    assert body["failures_by_rule"] == [
        {"rule_id": hot, "rule": "hot", "count": 2},
        {"rule_id": cold, "rule": "cold", "count": 1},
        {"rule_id": None, "rule": "(no rule)", "count": 1},
    ]
    # the running task is a day and more old: stuck (default threshold one hour)
    assert body["stuck"]["count"] == 1 and body["stuck"]["threshold_s"] == 3600
    assert body["stuck"]["oldest"][0]["status"] == "running"

    top = client.get(
        "/api/v1/dashboard", params={"from": T0.isoformat(), "to": at(24).isoformat(), "top": 1}
    ).json()
    assert [c["error_class"] for c in top["failures_by_class"]] == ["network"]
    assert [r["rule"] for r in top["failures_by_rule"]] == ["hot"]


def test_dashboard_of_a_period_ends_with_the_current_bucket(
    client: TestClient, db_engine: Engine
) -> None:
    recent = utcnow() - timedelta(minutes=10)
    seed_task(db_engine, recent, "succeeded", size=3 * MiB, dwell_s=5)
    seed_task(db_engine, utcnow() - timedelta(hours=2), "failed", error_class="network")

    body = client.get("/api/v1/dashboard", params={"period": "1h"}).json()

    window = body["window"]
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    assert window["bucket_seconds"] == 300 and end - start == timedelta(hours=1)
    assert start.timestamp() % 300 == 0 and start <= recent < end
    assert body["totals"]["files"] == 1 and body["totals"]["success_rate"] == 1.0
    assert body["failures_by_class"] == []
    (busy,) = [b for b in body["buckets"] if b["files"]]
    bucket_start = datetime.fromisoformat(busy["start"])
    assert bucket_start <= recent < bucket_start + timedelta(minutes=5)
    assert (busy["succeeded"], busy["bytes"]) == (1, 3 * MiB)
    assert len(body["buckets"]) == 12

    week = client.get("/api/v1/dashboard", params={"period": "7d"}).json()
    assert week["totals"]["files"] == 2 and week["totals"]["success_rate"] == 0.5
    assert (len(week["buckets"]), week["window"]["bucket_seconds"]) == (28, 6 * 3600)


def test_dashboard_counts_agents_by_liveness(client: TestClient, db_engine: Engine) -> None:
    seed_agent(db_engine, "fresh", silent_s=1)
    seed_agent(db_engine, "late", silent_s=60)  # past stale_after (45 s), before offline_after
    seed_agent(db_engine, "silent", silent_s=600)
    seed_agent(db_engine, "marked", silent_s=1, status=AgentStatus.offline)

    agents = client.get("/api/v1/dashboard").json()["agents"]

    assert agents == {"online": 1, "stale": 1, "offline": 2, "total": 4}


def test_an_empty_dashboard_has_no_rates(client: TestClient) -> None:
    body = client.get("/api/v1/dashboard", params={"period": "24h"}).json()
    assert body["totals"]["files"] == 0 and body["totals"]["success_rate"] is None
    assert body["dwell"] == {"count": 0, "p50_s": None, "p95_s": None, "max_s": None}
    assert len(body["buckets"]) == 24 and all(b["files"] == 0 for b in body["buckets"])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "after"),
        ({"to": "2026-01-01T00:00:00Z"}, "needs `from`"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "at most"),
        ({"period": "2d"}, "period"),
        ({"top": 0}, "top"),
    ],
)
def test_bad_windows_are_422(client: TestClient, params: dict[str, Any], fragment: str) -> None:
    response = client.get("/api/v1/dashboard", params=params)
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]


def test_daily_report_follows_the_days_of_its_time_zone(
    client: TestClient, db_engine: Engine
) -> None:
    # 2026-01-01 in Asia/Shanghai (UTC+8) is 2025-12-31T16:00Z .. 2026-01-01T16:00Z
    start = datetime(2025, 12, 31, 16, tzinfo=UTC)
    seed_task(db_engine, start, "succeeded", size=500 * KiB, dwell_s=30)
    seed_task(db_engine, start - timedelta(seconds=1), "succeeded", dwell_s=5)  # the day before
    seed_task(db_engine, start + timedelta(hours=11), "succeeded", size=20 * MiB, dwell_s=90)
    seed_task(
        db_engine, start + timedelta(hours=11.5), "failed", size=5 * MiB, error_class="network"
    )
    seed_task(db_engine, start + timedelta(hours=16), "succeeded", size=2048 * MiB, dwell_s=600)
    running = seed_task(db_engine, start + timedelta(hours=24, seconds=-1), "running", size=None)
    seed_task(db_engine, start + timedelta(hours=24), "failed")  # the day after
    pending = seed_task(db_engine, datetime(2025, 12, 20, tzinfo=UTC), "pending")
    seed_task(db_engine, utcnow() - timedelta(minutes=5), "running")  # today, and not stuck

    response = client.get("/api/v1/reports/daily", params={"date": "2026-01-01"})
    assert response.status_code == 200, response.text
    report = response.json()

    assert (report["date"], report["time_zone"]) == ("2026-01-01", "Asia/Shanghai")
    assert (report["window"]["start"], report["window"]["end"]) == (
        "2025-12-31T16:00:00Z", "2026-01-01T16:00:00Z",
    )  # fmt: skip
    assert report["totals"] == {
        "files": 5, "succeeded": 3, "failed": 1, "cancelled": 0, "ignored": 0,
        "in_progress": 1, "bytes": 500 * KiB + 20 * MiB + 2048 * MiB, "success_rate": 0.75,
    }  # fmt: skip
    assert report["failure_rate"] == 0.25
    assert [(s["label"], s["files"]) for s in report["sizes"]] == [
        ("< 1 MiB", 1), ("1-10 MiB", 1), ("10-100 MiB", 1), ("100 MiB-1 GiB", 0), (">= 1 GiB", 1),
    ]  # fmt: skip
    hours = {i: b["files"] for i, b in enumerate(report["buckets"]) if b["files"]}
    assert len(report["buckets"]) == 24 and hours == {0: 1, 11: 2, 16: 1, 23: 1}
    assert report["dwell"] == {"count": 3, "p50_s": 90.0, "p95_s": 600.0, "max_s": 600.0}
    assert report["failures_by_class"] == [{"error_class": "network", "count": 1}]
    stuck = report["stuck"]
    assert stuck["count"] == 2 and [t["id"] for t in stuck["oldest"]] == [pending, running]
    assert stuck["oldest"][0]["age_s"] > 0 and stuck["oldest"][1]["rel_path"].startswith("in/")


def test_daily_report_has_23_hours_when_clocks_go_forward(db_url: str) -> None:
    settings = Settings(database_url=db_url, reports=ReportSettings(time_zone="Europe/Berlin"))
    with TestClient(create_app(settings), headers=bearer(db_url, Role.operator)) as client:
        report = client.get("/api/v1/reports/daily", params={"date": "2026-03-29"}).json()
    assert report["window"]["start"] == "2026-03-28T23:00:00Z"
    assert report["window"]["end"] == "2026-03-29T22:00:00Z"
    assert len(report["buckets"]) == 23


def test_daily_report_defaults_to_today(client: TestClient, db_engine: Engine) -> None:
    seed_task(db_engine, utcnow() - timedelta(seconds=1), "succeeded", dwell_s=1)
    report = client.get("/api/v1/reports/daily").json()
    start, end = (datetime.fromisoformat(report["window"][k]) for k in ("start", "end"))
    assert start <= utcnow() < end and report["totals"]["files"] == 1


@pytest.mark.parametrize("path", ["/api/v1/dashboard", "/api/v1/reports/daily"])
def test_reading_the_overview_needs_a_reader_token(
    client: TestClient, db_url: str, path: str
) -> None:
    missing = client.get(path, headers={"Authorization": ""})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    as_agent = client.get(path, headers=bearer(db_url, Role.agent, "web-01"))
    assert as_agent.status_code == 403 and as_agent.json()["error"]["code"] == "forbidden"
    for role in (Role.viewer, Role.operator, Role.admin):
        assert client.get(path, headers=bearer(db_url, role, f"reader-{role}")).status_code == 200
