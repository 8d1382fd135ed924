"""The sidecar's two calls to the control plane: the desired files, and its status report."""

from __future__ import annotations

from dataclasses import asdict

import httpx

from sluice.contracts.config_sync import ConfigFile, DesiredConfig, TargetStatus
from sluice.settings import ConfigAgentSettings


class ControlPlaneError(Exception):
    """The control plane did not give an answer; `retryable` when it is down or busy."""

    def __init__(self, message: str, *, retryable: bool, error_class: str) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.error_class = error_class


class ControlPlane:
    def __init__(self, cfg: ConfigAgentSettings, http: httpx.Client) -> None:
        self.cfg = cfg
        self.http = http
        self.base = f"{(cfg.api_url or '').rstrip('/')}/api/v1/config-targets/{cfg.target}"

    def desired(self) -> DesiredConfig:
        body = self._call("GET", "/desired").json()
        return DesiredConfig(
            target=body["target"],
            kind=body["kind"],
            version=int(body["version"]),
            digest=body["digest"],
            files=[ConfigFile(f["name"], f["content"]) for f in body.get("files", [])],
        )

    def report(self, status: TargetStatus) -> None:
        self._call("PUT", "/status", json=asdict(status))

    def _call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        token = self.cfg.token.get_secret_value() if self.cfg.token else ""
        where = f"the control plane at {self.cfg.api_url}"
        try:
            response = self.http.request(
                method,
                self.base + path,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.cfg.request_timeout,
                **kwargs,  # type: ignore[arg-type]
            )
        except httpx.TransportError as exc:
            raise ControlPlaneError(
                f"{where} does not answer ({exc.__class__.__name__}: {exc}); the files on "
                "disk stay as they are. Check config_agent.api_url and that the API is up",
                retryable=True,
                error_class="network",
            ) from None
        if response.status_code in (401, 403):
            raise ControlPlaneError(
                f"{where} refused the token ({response.status_code}): set config_agent.token "
                "to a token with the config-agent role "
                "(`sluice token create --role config-agent`)",
                retryable=False,
                error_class="auth",
            )
        if response.status_code == 404:
            raise ControlPlaneError(
                f"{where} knows no config target {self.cfg.target!r}: register it in Sluice, "
                "or fix config_agent.target",
                retryable=False,
                error_class="not_found",
            )
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise ControlPlaneError(
                f"{where} answered {method} {path} with {response.status_code}: "
                f"{response.text[:500]}",
                retryable=retryable,
                error_class="network" if retryable else "rejected",
            )
        return response
