"""Reload a Prometheus, vmalert or Alertmanager and prove the new files took effect.

Each kind says so differently: Prometheus in `/api/v1/status/runtimeinfo` (and the rule groups
in `/api/v1/rules`), Alertmanager and vmalert in their own `/metrics`.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

from sluice.contracts.config_sync import ConfigFile
from sluice.settings import ConfigAgentSettings

Beat = Callable[[str], None]
POLL_S = 0.25


class TargetUnreachable(Exception):
    """The target does not answer: nothing was changed, trying later may help."""


class ReloadFailed(Exception):
    """The target refused or did not show the new files; the message says what it said."""


@dataclass
class Snapshot:
    """What the target shows before a reload, to tell that a reload happened after it."""

    am_hash: float | None = None
    vm_reloads: float | None = None


def metric(text: str, name: str) -> float | None:
    """The value of the unlabelled sample `name` in a Prometheus text exposition."""
    found = re.search(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? +(\S+)", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def alertmanager_hash(content: str) -> float:
    """`alertmanager_config_hash` for a config file: the first 6 bytes of its md5, read as a
    little-endian integer (Alertmanager's md5HashAsMetricValue)."""
    small = hashlib.md5(content.encode(), usedforsecurity=False).digest()[:6]
    return float(int.from_bytes(small + b"\0\0", "little"))


def rule_groups(files: list[ConfigFile]) -> set[str]:
    """The group names of the files that are Prometheus rule files."""
    names: set[str] = set()
    for f in files:
        try:
            doc = yaml.safe_load(f.content)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("groups"), list):
            names |= {g["name"] for g in doc["groups"] if isinstance(g, dict) and "name" in g}
    return names


class TargetControl:
    def __init__(self, cfg: ConfigAgentSettings, http: httpx.Client) -> None:
        self.cfg = cfg
        self.kind = cfg.kind or "prometheus"
        self.url = cfg.base_url
        self.http = http

    def _get(self, path: str) -> httpx.Response:
        try:
            response = self.http.get(self.url + path, timeout=self.cfg.request_timeout)
        except httpx.TransportError as exc:
            raise TargetUnreachable(
                f"{self.kind} at {self.url} does not answer ({exc.__class__.__name__}: {exc}); "
                "is it running, and is config_agent.target_url right?"
            ) from None
        if response.status_code != 200:
            raise TargetUnreachable(f"{self.kind} at {self.url}{path}: {response.status_code}")
        return response

    def snapshot(self) -> Snapshot:
        """Read the target before a change; TargetUnreachable if it does not answer."""
        if self.kind == "prometheus":
            self._get("/api/v1/status/runtimeinfo")
            return Snapshot()
        text = self._get("/metrics").text
        if self.kind == "alertmanager":
            return Snapshot(am_hash=metric(text, "alertmanager_config_hash"))
        return Snapshot(vm_reloads=metric(text, "vmalert_config_last_reload_total"))

    def reload(self) -> None:
        if self.cfg.reload == "sighup":
            self._sighup()
            return
        try:
            response = self.http.post(self.url + "/-/reload", timeout=self.cfg.verify_timeout)
        except httpx.TransportError as exc:
            raise ReloadFailed(
                f"{self.kind} at {self.url} did not take the reload: {exc}"
            ) from None
        if response.status_code == 403 or response.status_code == 405:
            raise ReloadFailed(
                f"{self.kind} refused POST /-/reload ({response.status_code}): start it with "
                "--web.enable-lifecycle, or use config_agent.reload=sighup"
            )
        if response.status_code >= 300:
            raise ReloadFailed(
                f"{self.kind} rejected the new files at reload: {response.text.strip()[:1000]}"
            )

    def _sighup(self) -> None:
        pid = self._pid()
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            raise ReloadFailed(
                f"no process {pid} to send SIGHUP to; is {self.kind} running?"
            ) from None
        except PermissionError:
            raise ReloadFailed(
                f"not allowed to signal process {pid}: run the agent as its user"
            ) from None

    def _pid(self) -> int:
        if self.cfg.pid_file is not None:
            try:
                return int(self.cfg.pid_file.read_text().strip())
            except (OSError, ValueError) as exc:
                raise ReloadFailed(f"cannot read a pid from {self.cfg.pid_file}: {exc}") from None
        name = (self.cfg.process_name or "")[:15]  # /proc/<pid>/comm keeps 15 characters
        for comm in Path("/proc").glob("[0-9]*/comm"):
            try:
                if comm.read_text().strip() == name:
                    return int(comm.parent.name)
            except OSError:
                continue
        raise ReloadFailed(f"no process named {name!r} to send SIGHUP to; is {self.kind} running?")

    def verify(self, before: Snapshot, files: list[ConfigFile], since: float, beat: Beat) -> None:
        """Wait until the target shows `files` live (ReloadFailed when it says otherwise or
        `verify_timeout` passes). `since` is when the reload was asked for (epoch seconds)."""
        deadline = time.monotonic() + self.cfg.verify_timeout
        last = "no answer yet"
        while True:
            beat(f"verifying {self.kind}: {last}")
            try:
                last = self._check(before, files, since)
            except TargetUnreachable as exc:
                last = str(exc)
            if not last:
                return
            if time.monotonic() >= deadline:
                raise ReloadFailed(
                    f"{self.kind} did not show the new files within "
                    f"{self.cfg.verify_timeout:.0f}s: {last}"
                )
            time.sleep(POLL_S)

    def _check(self, before: Snapshot, files: list[ConfigFile], since: float) -> str:
        """ "" when the files are live, else what is still missing; ReloadFailed when the
        target reports that the reload failed."""
        if self.kind == "prometheus":
            return self._check_prometheus(files, since)
        text = self._get("/metrics").text
        if self.kind == "alertmanager":
            return self._check_alertmanager(text, before, files)
        return self._check_vmalert(text, before)

    def _check_prometheus(self, files: list[ConfigFile], since: float) -> str:
        info = self._get("/api/v1/status/runtimeinfo").json()["data"]
        if not info.get("reloadConfigSuccess"):
            raise ReloadFailed("Prometheus reports reloadConfigSuccess=false; see its log")
        loaded = datetime.fromisoformat(info["lastConfigTime"]).astimezone(UTC).timestamp()
        if loaded < int(since):  # Prometheus keeps whole seconds
            return f"lastConfigTime {info['lastConfigTime']} is older than the reload"
        groups = self._get("/api/v1/rules").json()["data"]["groups"]
        missing = rule_groups(files) - {g["name"] for g in groups}
        return f"rule groups not loaded yet: {sorted(missing)}" if missing else ""

    def _check_alertmanager(self, text: str, before: Snapshot, files: list[ConfigFile]) -> str:
        if metric(text, "alertmanager_config_last_reload_successful") == 0:
            raise ReloadFailed("Alertmanager reports its last reload failed; see its log")
        live = metric(text, "alertmanager_config_hash")
        main = next((f for f in files if f.name == self.cfg.alertmanager_file), None)
        if main is not None and live != alertmanager_hash(main.content):
            return f"alertmanager_config_hash {live} is not that of {main.name}"
        return ""

    def _check_vmalert(self, text: str, before: Snapshot) -> str:
        reloads = metric(text, "vmalert_config_last_reload_total")
        if before.vm_reloads is not None and (reloads or 0) <= before.vm_reloads:
            return "vmalert has not reloaded yet"
        ok = metric(text, "vmalert_config_last_reload_successful")
        if ok == 0:
            raise ReloadFailed("vmalert reports its last reload failed; see its log")
        return "" if ok == 1 else "vmalert_config_last_reload_successful not reported"
