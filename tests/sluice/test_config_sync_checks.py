"""The pure parts of config sync: Go template checks, durations, secret masking that keeps
the text as written, and the rule file made of a Prometheus `/api/v1/rules` answer."""

from __future__ import annotations

import pytest
import yaml

from sluice.config_sync import secrets
from sluice.config_sync.gotemplates import template_problem, valid_duration
from sluice.config_sync.imports import ImportFailed, prometheus_rule_file


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "{{ $labels.instance }} is down",
        "{{ humanize $value }}",
        '{{ printf "%.2f" $value }}',
        "{{- if gt $value 1.0 }}high{{ else }}low{{ end -}}",
        '{{ range query "up" }}{{ .Labels.job }}{{ end }}',
        "{{/* a comment */}}",
        '{{ (index $labels "x") }}',
    ],
)
def test_templates_prometheus_accepts(text: str) -> None:
    assert template_problem(text) == ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ $value ", "unclosed action"),
        ("x }} y", "unexpected }}"),
        ("{{ }}", "missing value"),
        ("{{ if .x }}open", "not closed"),
        ("{{ end }}", "no block open"),
        ("{{ {{ x }} }}", "inside another"),
        ("{{ # }}", "unexpected"),
        ("{{ if }}x{{ end }}", "missing value for if"),
    ],
)
def test_templates_go_would_refuse(text: str, problem: str) -> None:
    assert problem in template_problem(text)


def test_durations() -> None:
    assert all(valid_duration(d) for d in ("0", "5m", "1h30m", "90s", "1d", "500ms", "2w"))
    assert not any(valid_duration(d) for d in ("", "5", "5q", "m5", "1.5h", "-1m"))


def test_masking_keeps_comments_lines_and_block_scalars() -> None:
    text = (
        "global:\n  smtp_auth_password: 'p@ss'  # mail\nroute: {receiver: a}\n"
        "receivers:\n  - name: a\n    pagerduty_configs:\n      - routing_key: |\n"
        "          multi-line-key\n        severity: critical\n"
    )
    masked, found = secrets.mask(text, {})
    assert masked.startswith("global:\n  smtp_auth_password: <secret>  # mail\n")
    assert found == {
        "global.smtp_auth_password": "p@ss",
        'receivers["a"].pagerduty_configs[0].routing_key': "multi-line-key\n",
    }
    assert "p@ss" not in masked and "multi-line-key" not in masked
    back = yaml.safe_load(secrets.unmask(masked, found))
    assert back == yaml.safe_load(text)
    with pytest.raises(secrets.MissingSecret):
        secrets.mask(masked, {})


def test_rule_file_from_the_rules_api() -> None:
    answer = {
        "status": "success",
        "data": {"groups": [{
            "name": "g", "file": "/etc/x.yml", "interval": 90,
            "rules": [
                {"type": "alerting", "name": "A", "query": "up == 0", "duration": 300,
                 "keepFiringFor": 0, "labels": {"s": "1"}, "annotations": {"x": "y"}},
                {"type": "recording", "name": "r:x", "query": "sum(up)", "labels": {}},
            ],
        }]},
    }  # fmt: skip
    assert yaml.safe_load(prometheus_rule_file(answer)) == {
        "groups": [{"name": "g", "interval": "1m30s", "rules": [
            {"alert": "A", "expr": "up == 0", "for": "5m", "labels": {"s": "1"},
             "annotations": {"x": "y"}},
            {"record": "r:x", "expr": "sum(up)"},
        ]}]
    }  # fmt: skip
    with pytest.raises(ImportFailed):
        prometheus_rule_file({"data": None})
