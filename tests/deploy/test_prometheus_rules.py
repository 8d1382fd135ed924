"""deploy/prometheus and deploy/grafana: the rules pass `promtool check rules` and their unit
tests, every rule carries what an on-call needs, and every metric the rules and dashboards
query is one Sluice really exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from store.db import migrate
from tests.deploy.promql import (
    DASHBOARDS,
    PROMETHEUS_SERIES,
    RULE_TESTS,
    RULES,
    RUNBOOKS,
    alerting_rules,
    dashboard_exprs,
    exported_names,
    metric_names,
)

SEVERITIES = {"warning", "critical"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool") or "/usr/bin/promtool"
    if not Path(binary).exists():
        pytest.fail("promtool not found; scripts/test.sh installs Debian's prometheus package")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def test_promtool_checks_the_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerting_rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    tests = sorted(RULE_TESTS.glob("*.yml"))
    assert tests
    result = promtool("test", "rules", *map(str, tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_is_tested_firing_and_quiet() -> None:
    """Each alert has a unit test where it fires and one where it does not."""
    text = "\n".join(path.read_text() for path in RULE_TESTS.glob("*.yml"))
    for rule in alerting_rules():
        name = rule["alert"]
        cases = re.findall(rf"alertname: {name}\n\s+eval_time: \S+\n\s+exp_alerts:(.*)", text)
        assert any(c.strip() == "[]" for c in cases), f"{name}: no case where it is quiet"
        assert any(c.strip() != "[]" for c in cases), f"{name}: no case where it fires"


def runbook_anchors() -> set[str]:
    """The anchors MkDocs gives the runbook page's headings (toc's default slugs)."""
    headings = re.findall(r"^#{2,3} (.+)$", RUNBOOKS.read_text(), re.MULTILINE)
    return {re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", h).strip().lower()) for h in headings}


def test_every_rule_has_for_severity_annotations_and_a_runbook() -> None:
    anchors = runbook_anchors()
    for rule in alerting_rules():
        name = rule["alert"]
        assert rule.get("for"), name
        assert rule["labels"]["severity"] in SEVERITIES, name
        notes = rule["annotations"]
        assert notes.get("summary") and notes.get("description"), name
        page, _, anchor = notes["runbook_url"].partition("#")
        assert page == "docs/runbooks.md" and anchor in anchors, (name, notes["runbook_url"])


def test_the_tokenizer_finds_metric_names_only() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{route!~"a|b", le="1"}[5m])))'
        ' / on (job) group_left (instance) y_total offset 5m > bool 1e3 and up{job=~"sluice-.*"}'
    )
    assert metric_names(expr) == {"x_bucket", "y_total", "up"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'sluice.db'}"
    migrate(url)
    names = exported_names(url)
    assert {"sluice_api_request_duration_seconds_bucket", "sluice_tasks_oldest_age_seconds",
            "sluice_ai_analyses_total", "sluice_agent_spool_high_water",
            "sluice_config_agent_drift"} <= names  # fmt: skip
    return names


def test_every_metric_the_rules_use_is_exported(exported: set[str]) -> None:
    for rule in alerting_rules():
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        unknown = used - exported - PROMETHEUS_SERIES
        assert not unknown, f"{rule['alert']}: {sorted(unknown)} not exported by Sluice"


def test_every_metric_the_dashboards_query_is_exported(exported: set[str]) -> None:
    targets = list(dashboard_exprs())
    assert len(targets) > 20
    for where, expr in targets:
        used = metric_names(expr)
        assert used, where
        unknown = used - exported - PROMETHEUS_SERIES
        assert not unknown, f"{where}: {sorted(unknown)} not exported by Sluice"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboards_are_grafana_json_with_unique_panel_ids(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"].startswith("Sluice / ")
    assert 36 <= dashboard["schemaVersion"] <= 41
    [variable] = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == f"${{{variable['name']}}}", panel["title"]
        assert panel["targets"], panel["title"]
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]


def test_there_are_the_four_dashboards() -> None:
    assert [p.stem for p in DASHBOARDS] == [
        "sluice-agents", "sluice-alerts", "sluice-api", "sluice-pipeline"
    ]  # fmt: skip
