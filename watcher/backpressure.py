"""Backpressure on dispatch: start-rate limit, cap on running workflows, spool high-water mark."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

from temporalio.client import Client

log = logging.getLogger("sluice.dispatch")


class RateLimiter:
    """A token bucket: at most `rate` starts per second on average, bursts up to one second's."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._tokens = max(rate, 1.0)
        self._stamp = time.monotonic()

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self._tokens = min(self._tokens, max(rate, 1.0))

    async def acquire(self) -> None:
        if self.rate <= 0:  # 0 means unlimited
            return
        while True:
            now = time.monotonic()
            self._tokens = min(max(self.rate, 1.0), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self._tokens) / self.rate)


class InFlight:
    """How many of this agent's workflows are running, from Temporal visibility.

    Visibility lags a start by up to a second or so, so starts younger than `lag` seconds
    are added to every count: the estimate errs high (fewer starts), never low. `limit` 0
    means no cap.
    """

    def __init__(
        self, client: Client, agent_id: str, limit: int, refresh: float = 2.0, lag: float = 3.0
    ) -> None:
        self._client = client
        self._query = f"SluiceAgent = '{agent_id}' AND ExecutionStatus = 'Running'"
        self.limit = limit
        self.refresh_every = refresh
        self.lag = lag
        self.count = 0
        self._recent: deque[float] = deque()  # when the latest starts were made
        self._counted_at = 0.0

    def started(self) -> None:
        self._recent.append(time.monotonic())
        self.count += 1

    def release(self) -> None:
        """A reserved start that did not happen."""
        if self._recent:
            self._recent.pop()
        self.count = max(0, self.count - 1)

    async def refresh(self) -> bool:
        """Re-count from visibility; False (keeping the old estimate) if Temporal is down."""
        try:
            counted = await self._client.count_workflows(self._query)
        except Exception as exc:  # Temporal unreachable: keep the estimate we have
            log.debug("cannot count running workflows: %s", exc)
            return False
        cutoff = time.monotonic() - self.lag
        while self._recent and self._recent[0] < cutoff:
            self._recent.popleft()
        self.count = counted.count + len(self._recent)
        self._counted_at = time.monotonic()
        return True

    async def wait_for_room(self) -> None:
        """Return once another workflow may start without passing the limit."""
        while self.limit and self.count >= self.limit:
            if time.monotonic() - self._counted_at >= self.refresh_every:
                await self.refresh()
                if self.count < self.limit:
                    return
            await asyncio.sleep(self.refresh_every / 4)


@dataclass
class HighWaterMark:
    """Edge-triggered spool depth alarm; clears once depth falls below 80% of the mark."""

    mark: int
    raised: bool = False

    def update(self, depth: int) -> str | None:
        """ "raised" or "cleared" on a transition, else None."""
        if not self.raised and depth >= self.mark:
            self.raised = True
            return "raised"
        if self.raised and depth < self.mark * 0.8:
            self.raised = False
            return "cleared"
        return None
