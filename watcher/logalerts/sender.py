"""Send queued log alerts to the API (`POST /api/v1/alerts/agent`) until it has them all.

The outbox is in the spool, so an alert survives the API being down and the agent being
restarted. A batch leaves the outbox only once the API answered 2xx (it committed it). A 5xx,
a timeout or a refused connection is retried with backoff; a 400 means the API will never
take the batch, so it is kept as `rejected`, logged and reported, never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from sluice.settings import AgentSettings
from watcher.control import agent_version
from watcher.logalerts.state import LogAlertState

log = logging.getLogger("sluice.agent")

PATH = "/api/v1/alerts/agent"
BATCH = 200
RETRY_FIRST = 1.0
RETRY_MAX = 60.0
IDLE_CHECK = 30.0  # with nothing queued: a backstop to the poller's wake-ups


class AlertSender:
    def __init__(
        self,
        outbox: LogAlertState,
        cfg: AgentSettings,
        notice: Callable[[str, str], None],
        *,
        timeout: float = 10.0,
    ) -> None:
        self.outbox = outbox
        self.last_error = ""
        self._notice = notice
        self._wake = asyncio.Event()
        self._url = cfg.api_url.rstrip("/") + PATH if cfg.api_url else None
        headers = {"User-Agent": f"sluice-agent/{agent_version()}"}
        if cfg.token is not None:
            headers["Authorization"] = f"Bearer {cfg.token.get_secret_value()}"
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout)

    async def close(self) -> None:
        await self._http.aclose()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send whatever is queued when woken; after a failure retry sooner or later (backoff
        from RETRY_FIRST to RETRY_MAX seconds), a wake-up never waiting for it."""
        delay, backoff = 0.0, RETRY_FIRST
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            try:
                sent = await self.drain()
            except Exception as exc:  # the spool itself failed: keep trying, never stop
                log.exception("log alerts: the outbox could not be read")
                self._failed(f"outbox unreadable: {exc!r}")
                sent = False
            if sent:
                delay, backoff = IDLE_CHECK, RETRY_FIRST
            else:
                delay, backoff = backoff, min(backoff * 2, RETRY_MAX)

    async def drain(self) -> bool:
        """Send every pending batch; False if one could not be sent now (try again later)."""
        while batch := self.outbox.pending(BATCH):
            if self._url is None:
                self._failed("agent.api_url is not set: log alerts wait in the spool")
                return False
            ids = [row_id for row_id, _ in batch]
            try:
                response = await self._http.post(
                    self._url, json={"alerts": [alert for _, alert in batch]}
                )
            except httpx.HTTPError as exc:
                self._failed(f"alerts API unreachable: {exc!r}")
                return False
            if response.is_success:
                self.outbox.sent(ids)
                if self.last_error:
                    log.info("log alerts sent again")
                    self.last_error = ""
                continue
            error = f"alerts API answered {response.status_code}: {response.text[:300]}"
            if response.status_code in (400, 413, 422):
                self.outbox.failed(ids, error, rejected=True)
                log.error("%d log alerts refused, kept in the spool: %s", len(ids), error)
                self._notice("log_alerts_rejected", f"{len(ids)} alerts refused: {error}")
                continue
            self.outbox.failed(ids, error, rejected=False)
            self._failed(error)
            return False
        return True

    def _failed(self, error: str) -> None:
        if error != self.last_error:
            log.warning("%s; %d log alerts queued", error, self.outbox.count())
            self._notice("log_alerts_delayed", error)
        self.last_error = error
