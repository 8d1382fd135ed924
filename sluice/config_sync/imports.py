"""Adopting what runs: a Prometheus' loaded rules (`GET /api/v1/rules`) as a rule file, and an
Alertmanager's config (`GET /api/v2/status` config.original)."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

MAX_RESPONSE = 4 * 1024 * 1024


class ImportFailed(Exception):
    """The target could not be read, or answered something that is not its config."""


def fetch_json(url: str, path: str, timeout: float) -> Any:
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("GET", url.rstrip("/") + path) as response,
        ):
            if response.status_code != 200:
                raise ImportFailed(f"{path} answered {response.status_code}")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE:
                    raise ImportFailed(f"{path} answered more than {MAX_RESPONSE} bytes")
        return httpx.Response(200, content=body).json()
    except httpx.HTTPError as exc:
        raise ImportFailed(f"{path}: {type(exc).__name__}: {str(exc)[:200]}") from None
    except ValueError:
        raise ImportFailed(f"{path} did not answer JSON") from None


def prometheus_rule_file(answer: Any) -> str:
    """The rule file for a Prometheus (or vmalert) `/api/v1/rules` answer."""
    try:
        groups = answer["data"]["groups"]
        return yaml.safe_dump({"groups": [_group(g) for g in groups]}, sort_keys=False)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ImportFailed(f"/api/v1/rules: unexpected answer ({exc!r})") from None


def alertmanager_config(answer: Any) -> str:
    try:
        original = answer["config"]["original"]
    except (KeyError, TypeError) as exc:
        raise ImportFailed(f"/api/v2/status: unexpected answer ({exc!r})") from None
    if not isinstance(original, str):
        raise ImportFailed("/api/v2/status: config.original is not text")
    return original


def _group(group: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": group["name"]}
    if group.get("interval"):
        out["interval"] = _duration(group["interval"])
    out["rules"] = [_rule(r) for r in group.get("rules", [])]
    return out


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    alerting = rule.get("type") == "alerting"
    out: dict[str, Any] = {"alert" if alerting else "record": rule["name"], "expr": rule["query"]}
    if alerting and rule.get("duration"):
        out["for"] = _duration(rule["duration"])
    if alerting and rule.get("keepFiringFor"):
        out["keep_firing_for"] = _duration(rule["keepFiringFor"])
    if rule.get("labels"):
        out["labels"] = dict(rule["labels"])
    if alerting and rule.get("annotations"):
        out["annotations"] = dict(rule["annotations"])
    return out


def _duration(seconds: Any) -> str:
    """Seconds (as the API gives them) as a Prometheus duration: 90 → 1m30s."""
    total = round(float(seconds) * 1000)
    if total % 1000:
        return f"{total}ms"
    total //= 1000
    out = ""
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            out += f"{total // size}{unit}"
            total %= size
    return out or "0s"
