"""go-watch-file's alert module (`alert_*` keys and its rules file) as `agent.log_alerts`.

Its rules file (`version: 1`, YAML or JSON) has `defaults` (`suppress_window`, `match_case`),
`escalation` (`enabled`, `level`, `window`, `threshold`, ...) and `rules[]` (`id`, `title`,
`level`, `keywords[]`, `excludes[]`, `suppress_window`); every rule reads every file of
`alert_log_paths`. Levels carry over as severities; `ignore` rules are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sluice.gowatchfile import seconds

_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _duration(value: Any) -> float:
    """go-watch-file's durations, `2秒` included."""
    return seconds(str(value).replace("秒", "s") if isinstance(value, str) else value)


def _paths(value: Any) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[,;]", str(value or ""))
    return [str(item).strip() for item in items if str(item).strip()]


def _name(raw: Any, n: int, taken: set[str]) -> str:
    name = _NOT_A_NAME.sub("-", str(raw or "")).strip("-.")[:64] or f"rule-{n}"
    if not name[0].isalnum():
        name = f"r{name}"[:64]
    while name in taken:
        name = f"{name[:60]}-{n}"
    taken.add(name)
    return name


def map_alert_module(
    data: Mapping[str, Any], base_dir: Path | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """`agent.log_alerts` for the alert keys of a go-watch-file config (None if it is off),
    and warnings; ValueError names what cannot be read."""
    if not _flag(data.get("alert_enabled"), False):
        return None, []
    warnings: list[str] = []
    rules_file = Path(str(data.get("alert_rules_file") or ""))
    if not str(data.get("alert_rules_file") or ""):
        raise ValueError("alert_enabled is set but alert_rules_file is not")
    if not rules_file.is_absolute() and base_dir is not None:
        rules_file = base_dir / rules_file
    try:
        document = yaml.safe_load(rules_file.read_text())  # YAML reads JSON too
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"alert_rules_file {rules_file}: {exc}") from None
    if not isinstance(document, dict) or str(document.get("version")) != "1":
        raise ValueError(f"alert_rules_file {rules_file}: expected `version: 1`")
    defaults = document.get("defaults") or {}
    escalation = document.get("escalation") or {}
    suppress = _flag(data.get("alert_suppress_enabled"), True)
    paths = _paths(data.get("alert_log_paths"))
    if not paths:
        raise ValueError("alert_enabled is set but alert_log_paths is empty")
    rules: list[dict[str, Any]] = []
    taken: set[str] = set()
    for n, rule in enumerate(document.get("rules") or [], start=1):
        if not isinstance(rule, dict):
            raise ValueError(f"alert_rules_file {rules_file}: rule {n} is not a mapping")
        level = str(rule.get("level") or "system")
        if level == "ignore":
            warnings.append(f"go-watch-file alert rule {rule.get('id')!r} (level ignore) left out")
            continue
        window = rule.get("suppress_window", defaults.get("suppress_window", "5m"))
        mapped: dict[str, Any] = {
            "name": _name(rule.get("id"), n, taken),
            "title": str(rule.get("title") or ""),
            "paths": paths,
            "keywords": [str(k) for k in rule.get("keywords") or []],
            "excludes": [str(k) for k in rule.get("excludes") or []],
            "match_case": _flag(defaults.get("match_case"), True),
            "severity": level,
            "suppress_window": _duration(window) if suppress else 0,
        }
        if _flag(escalation.get("enabled"), False):
            mapped |= {
                "escalate_after": int(escalation.get("threshold") or 0) or None,
                "escalate_window": _duration(escalation.get("window") or "10m"),
                "escalate_severity": str(escalation.get("level") or "fatal"),
            }
        rules.append(mapped)
    if _flag(escalation.get("enabled"), False):
        warnings.append(
            "go-watch-file escalation applies per rule and repeated line; its rule_id, title, "
            "message and suppress_window are not carried over (escalated alerts carry the "
            "label escalated=true and the rule's title)"
        )
    log_alerts: dict[str, Any] = {
        "rules": rules,
        "start_from_end": _flag(data.get("alert_start_from_end"), True),
    }
    if data.get("alert_poll_interval") not in (None, ""):
        log_alerts["poll_interval"] = _duration(data["alert_poll_interval"])
    return log_alerts, warnings
