"""Talk to the control plane: register, heartbeat, pull config; cache the last good config."""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx

from sluice.settings import AgentSettings

log = logging.getLogger("sluice.agent")


class ControlPlaneError(RuntimeError):
    """The control plane could not be reached or answered with an error."""


class NotRegistered(ControlPlaneError):
    """The control plane does not know this agent (a new database, say): register again."""


@dataclass(frozen=True)
class PushedConfig:
    version: int
    config: dict[str, Any]


def agent_version() -> str:
    try:
        return version("sluice")
    except PackageNotFoundError:
        return "0.0.0"


def primary_ip(towards: str | None) -> str:
    """The local address used to reach the control plane (no packet is sent)."""
    host = httpx.URL(towards).host if towards else "192.0.2.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((host or "192.0.2.1", 80))
            return str(sock.getsockname()[0])
    except OSError:
        return "127.0.0.1"


class ControlPlane:
    """The agents API; every call sends `Authorization: Bearer <agent token>` if configured."""

    def __init__(self, cfg: AgentSettings, *, timeout: float = 10.0) -> None:
        assert cfg.api_url is not None
        headers = {"User-Agent": f"sluice-agent/{agent_version()}"}
        if cfg.token is not None:
            headers["Authorization"] = f"Bearer {cfg.token.get_secret_value()}"
        self.agent_id = cfg.id
        self._http = httpx.AsyncClient(
            base_url=cfg.api_url.rstrip("/") + "/api/v1", headers=headers, timeout=timeout
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def register(self, cfg: AgentSettings, roots: list[Path], applied: int) -> int:
        """Announce this agent; returns the config version the control plane holds for it."""
        body = {
            "id": cfg.id,
            "hostname": cfg.hostname,
            "ip": primary_ip(cfg.api_url),
            "version": agent_version(),
            "labels": cfg.labels,
            "roots": [str(root) for root in roots],
            "applied_config_version": applied,
        }
        reply = await self._call("POST", "/agents/register", body)
        return int(reply.get("config_version", 0))

    async def heartbeat(self, report: dict[str, Any]) -> int:
        """Send status; returns the config version the control plane wants applied."""
        reply = await self._call("POST", "/agents/heartbeat", {"id": self.agent_id, **report})
        return int(reply.get("config_version", 0))

    async def fetch_config(self) -> PushedConfig:
        reply = await self._call("GET", f"/agents/{self.agent_id}/config", None)
        return PushedConfig(int(reply["version"]), dict(reply.get("config") or {}))

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ControlPlaneError(f"control plane unreachable: {exc!r}") from None
        if response.status_code == 404 and path != "/agents/register":
            raise NotRegistered(f"control plane does not know agent {self.agent_id}")
        if response.status_code >= 400:
            raise ControlPlaneError(
                f"control plane answered {response.status_code} to {method} {path}: "
                f"{response.text[:300]}"
            )
        data = response.json()
        return data if isinstance(data, dict) else {}


class ConfigCache:
    """The last config applied from the control plane, so a restart without it still has it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> PushedConfig | None:
        try:
            raw = json.loads(self.path.read_text())
            return PushedConfig(int(raw["version"]), dict(raw["config"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cached config %s: %s", self.path, exc)
            return None

    def save(self, pushed: PushedConfig) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": pushed.version, "config": pushed.config}))
        os.replace(tmp, self.path)
