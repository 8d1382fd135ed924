"""What the self-monitoring tests need to read: the metric names PromQL expressions use, and
the names Sluice exports (API, worker, agent and config sidecar registries)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

import activities.alert_groups.metrics
import activities.analyze.metrics
import activities.records  # noqa: F401 - these three register the worker's metrics
from activities.config_sync.metrics import ConfigAgentMetrics
from api.app import create_app
from sluice.settings import Settings
from watcher.metrics import AgentMetrics

ROOT = Path(__file__).parent.parent.parent
RULES = ROOT / "deploy" / "prometheus" / "sluice-rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "tests"
DASHBOARDS = sorted((ROOT / "deploy" / "grafana").glob("*.json"))
RUNBOOKS = ROOT / "docs" / "runbooks.md"
# Series Prometheus itself makes, which rules may use beside Sluice's.
PROMETHEUS_SERIES = frozenset({"up"})

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "by", "without", "on",
                       "ignoring", "group_left", "group_right", "inf", "nan"})  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names `expr` selects: identifiers outside strings, label matchers, ranges
    and grouping lists that are not functions, keywords or numbers."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for found in _NAME.finditer(text):
        name = found.group()
        after = text[found.end() :].lstrip()
        before = text[: found.start()]
        if after.startswith("(") or name.lower() in _KEYWORDS:
            continue
        if before and (before[-1].isdigit() or before[-1] == "."):  # 1e3, 0.5s ...
            continue
        names.add(name)
    return names


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(RULES.read_text())["groups"]
    return groups


def alerting_rules() -> list[dict[str, Any]]:
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]


def dashboard_exprs() -> Iterator[tuple[str, str]]:
    """(dashboard file and panel title, expression) of every target."""
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                yield f"{path.name}: {panel['title']}", target["expr"]


def exported_names(sqlite_url: str) -> set[str]:
    """Every sample name Sluice's processes export: the API's /metrics scraped (its DB
    series included), the worker's default registry, a fresh agent's and config sidecar's."""
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        client.get("/healthz")  # a request timed, so the latency histogram has samples
        response = client.get("/metrics")
    assert response.status_code == 200
    names = _sample_names(text_string_to_metric_families(response.text))
    for registry in (REGISTRY, AgentMetrics().registry, ConfigAgentMetrics().registry):
        names |= _sample_names(registry.collect())
    return names


# The samples a family of each type has once a label set is observed.
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
            "summary": ("_sum", "_count")}  # fmt: skip


def _sample_names(families: Iterable[Metric]) -> set[str]:
    """Sample names, those of labelled families with no label set observed yet included."""
    names = set()
    for family in families:
        names |= {sample.name for sample in family.samples}
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names
