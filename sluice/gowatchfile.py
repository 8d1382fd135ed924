"""Read a go-watch-file `config.yaml` as Sluice settings, warning about what does not carry over."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The alert module's keys: mapped to `agent.log_alerts` by sluice/gowatchfile_alerts.py.
ALERT_KEYS = frozenset(
    {
        "alert_enabled", "alert_suppress_enabled", "alert_rules_file", "alert_log_paths",
        "alert_poll_interval", "alert_start_from_end",
    }
)  # fmt: skip

GO_WATCH_FILE_KEYS = ALERT_KEYS | frozenset(
    {
        "watch_dir", "watch_exclude", "file_ext", "silence", "upload_workers",
        "upload_queue_size", "upload_retry_delays", "upload_retry_max_attempts", "bucket", "ak",
        "sk", "endpoint", "region", "force_path_style", "disable_ssl", "dingtalk_webhook",
        "dingtalk_secret", "email_host", "email_port", "email_user", "email_pass", "email_from",
        "email_to", "email_use_tls", "ai_enabled", "ai_base_url", "ai_api_key", "ai_model",
        "ai_timeout", "ai_max_lines",
    }
)  # fmt: skip

# Keys with no setting of their own in Sluice: what to do instead.
IGNORED = {
    "upload_retry_delays": "retries are per step in routing rules (`retry:`)",
    "upload_retry_max_attempts": "retries are per step in routing rules (`retry:`)",
    "dingtalk_webhook": "create a dingtalk channel and a `notify` step in a routing rule",
    "dingtalk_secret": "create a dingtalk channel and a `notify` step in a routing rule",
    "email_to": "create an email channel and a `notify` step in a routing rule",
    "ai_enabled": "add an `analyze` step to the routing rules that should analyse files",
    "ai_max_lines": "set `max_lines` on the rule's `analyze` step",
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def looks_like_go_watch_file(data: Mapping[str, Any]) -> bool:
    """True for a flat go-watch-file config: its keys, and none of Sluice's sections."""
    sluice_sections = {"temporal", "storage", "agent", "api", "ai", "notifications", "dev"}
    return bool(set(data) & GO_WATCH_FILE_KEYS) and not set(data) & sluice_sections


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[,;]", str(value or "")) if part.strip()]


def seconds(value: Any) -> float:
    """go-watch-file durations: a number of seconds, or Go-style "10s", "500ms", "2m"."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if match is None:
        raise ValueError(f"cannot read duration {value!r}; use e.g. 10s, 500ms or 2m")
    return float(match.group(1)) * _UNITS[match.group(2)]


def map_go_watch_file(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Sluice settings (a nested dict for the YAML source) and warnings for ignored keys."""
    agent: dict[str, Any] = {}
    storage: dict[str, Any] = {}
    notifications: dict[str, Any] = {}
    ai: dict[str, Any] = {}
    warnings: list[str] = []
    for key in data:
        if key in IGNORED:
            warnings.append(f"go-watch-file key `{key}` ignored: {IGNORED[key]}")
        elif key not in GO_WATCH_FILE_KEYS:
            warnings.append(f"unknown go-watch-file key `{key}` ignored")
    if "watch_dir" in data:
        agent["roots"] = _list(data["watch_dir"])
    excludes = _list(data.get("watch_exclude"))
    if excludes:
        agent["exclude_globs"] = [e for e in excludes if any(c in e for c in "*?[")]
        agent["exclude_dirs"] = [e.strip("/") for e in excludes if not any(c in e for c in "*?[")]
    if "file_ext" in data:
        agent["include_suffixes"] = [
            e if e.startswith(".") else f".{e}" for e in _list(data["file_ext"])
        ]
    if "silence" in data:
        agent["silence"] = seconds(data["silence"])
    if "upload_workers" in data:
        agent["max_activities"] = int(data["upload_workers"])
    if "upload_queue_size" in data:
        agent["max_in_flight"] = int(data["upload_queue_size"])
    _copy(data, storage, {"bucket": "bucket", "ak": "access_key", "sk": "secret_key"})
    _copy(data, storage, {"region": "region", "force_path_style": "path_style"})
    if data.get("endpoint"):
        endpoint = str(data["endpoint"])
        if "://" not in endpoint:
            endpoint = ("http://" if data.get("disable_ssl") else "https://") + endpoint
        storage["endpoint_url"] = endpoint
    _copy(
        data,
        notifications,
        {
            "email_host": "smtp_host", "email_port": "smtp_port", "email_user": "smtp_user",
            "email_pass": "smtp_password", "email_from": "smtp_from",
            "email_use_tls": "smtp_starttls",
        },
    )  # fmt: skip
    _copy(data, ai, {"ai_base_url": "base_url", "ai_api_key": "api_key", "ai_model": "model"})
    if "ai_timeout" in data:
        ai["timeout"] = seconds(data["ai_timeout"])
    tree = {"agent": agent, "storage": storage, "notifications": notifications, "ai": ai}
    return {name: section for name, section in tree.items() if section}, warnings


def _copy(src: Mapping[str, Any], dst: dict[str, Any], names: dict[str, str]) -> None:
    for old, new in names.items():
        if old in src and src[old] is not None and src[old] != "":
            dst[new] = src[old]
