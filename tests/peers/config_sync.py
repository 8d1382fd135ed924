"""Loopback peers for the config sidecar's tests.

`ControlPlanePeer` stands in for the control plane's two config-sync endpoints,
`GET /api/v1/config-targets/{target}/desired` and `PUT /api/v1/config-targets/{target}/status`,
exactly per sluice/contracts/config_sync.py, until the API's own (PART A of issue 21) is
merged; the tests against the real API cover them then.

`VmalertPeer` speaks vmalert's reload and metrics endpoints: vmalert is not packaged in
Debian, so its reload and verification are tested against this peer.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sluice.contracts.config_sync import ConfigFile, DesiredConfig, TargetKind, files_digest
from tests.peers.base import Answer, LoopbackServer, Request

PREFIX = "/api/v1/config-targets/"


class ControlPlanePeer(LoopbackServer):
    """Serves one desired config per target; records each status PUT in `statuses`."""

    def __init__(self, token: str = "config-agent-token") -> None:
        self.token = token
        self.desired: dict[str, DesiredConfig] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.down = False  # answers 503, as an API behind a proxy whose backend is down
        super().__init__()

    def publish(self, target: str, kind: TargetKind, files: dict[str, str]) -> DesiredConfig:
        """A new version of `target`'s files; returns it (version, digest)."""
        listed = [ConfigFile(name, content) for name, content in files.items()]
        with self.lock:
            version = self.desired[target].version + 1 if target in self.desired else 1
            desired = DesiredConfig(target, kind, version, files_digest(listed), listed)
            self.desired[target] = desired
        return desired

    def last_status(self, target: str) -> dict[str, Any] | None:
        with self.lock:
            reports = self.statuses.get(target, [])
            return reports[-1] if reports else None

    def handle(self, request: Request) -> Answer:
        if self.down:
            return Answer(503, "service unavailable")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Answer(401, {"detail": "not authenticated"})
        if not request.path.startswith(PREFIX):
            return Answer(404, {"detail": "not found"})
        target, _, action = request.path.removeprefix(PREFIX).partition("/")
        with self.lock:
            desired = self.desired.get(target)
        if desired is None:
            return Answer(404, {"detail": f"no config target {target}"})
        if (request.method, action) == ("GET", "desired"):
            return Answer(200, asdict(desired))
        if (request.method, action) == ("PUT", "status"):
            body = request.json()
            expected = {"version", "digest", "disk_digest", "drift", "applied_at", "error"}
            if set(body) != expected:
                return Answer(422, {"detail": f"fields {sorted(body)}"})
            with self.lock:
                self.statuses.setdefault(target, []).append(body)
            return Answer(204, b"")
        return Answer(405, {"detail": "method not allowed"})


class VmalertPeer(LoopbackServer):
    """vmalert's `/-/reload` and `/metrics`: a reload reads the rule files in `rules_dir` and
    fails if one holds `BROKEN` (as vmalert's would on a rule it cannot parse); like
    vmalert's, it is counted and reflected in `vmalert_config_last_reload_successful`."""

    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = rules_dir
        self.reloads = 0
        self.successful = 1
        self._reloading = threading.Lock()
        super().__init__()

    def handle(self, request: Request) -> Answer:
        if request.path == "/-/reload":
            with self._reloading:
                self.reloads += 1
                broken = any("BROKEN" in f.read_text() for f in self.rules_dir.glob("*.yml"))
                self.successful = 0 if broken else 1
            return Answer(200, "OK")  # vmalert answers before the reload is done
        if request.path == "/metrics":
            text = (
                f"vmalert_config_last_reload_total {self.reloads}\n"
                f"vmalert_config_last_reload_successful {self.successful}\n"
            )
            return Answer(200, text, {"Content-Type": "text/plain"})
        return Answer(404, "not found")
