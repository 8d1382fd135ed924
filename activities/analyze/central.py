"""The central side of `analyze`: the LLM call, degrading to the built-in analyzer."""

from __future__ import annotations

import time
from datetime import timedelta

from temporalio import activity

from activities.analyze.builtin import builtin_analysis
from activities.analyze.llm import LlmClient
from activities.analyze.metrics import count_tokens, observe
from sluice.actions import Analysis, AnalyzeRequest
from sluice.llm import LlmFailed
from sluice.settings import AiSettings


def llm_seconds(info: activity.Info) -> float | None:
    """How long the LLM may take in this attempt: the activity's own timeout less a margin
    (a tenth, 0.5 to 5 s) to send the built-in analysis before Temporal gives up on it."""
    limits = [
        t.total_seconds()
        for t in (info.start_to_close_timeout, info.schedule_to_close_timeout)
        if t and t > timedelta(0)
    ]
    if not limits:
        return None
    total = min(limits)
    return total - min(5.0, max(0.5, total / 10))


class AnalyzeActivities:
    """Central side: the LLM call and the fallback."""

    def __init__(self, settings: AiSettings) -> None:
        self._settings = settings
        self._llm = LlmClient(settings)

    @activity.defn(name="analyze_excerpt")
    async def analyze_excerpt(self, req: AnalyzeRequest) -> Analysis:
        """Never fails for the LLM's sake: it degrades to the built-in analyzer instead, also
        before the step's timeout, so an abandoned request never fails the task."""
        started = time.monotonic()
        if not self._llm.configured:
            return self._degraded(req, "not_configured", started)
        budget = llm_seconds(activity.info())
        deadline = started + (budget if budget is not None else float("inf"))
        try:
            result = await self._llm.analyse(req, deadline=deadline)
        except LlmFailed as exc:
            activity.logger.warning("AI analysis degraded (%s): %s", exc.error_class, exc)
            count_tokens(*exc.tokens)
            return self._degraded(req, exc.error_class, started, retries=exc.retries)
        count_tokens(*result.tokens)
        elapsed = time.monotonic() - started
        observe(degraded=False, error_class="", seconds=elapsed)
        answer = result.answer
        shortened = result.excerpt != req.excerpt.text
        return Analysis(
            summary=answer.summary,
            severity=answer.severity,
            key_errors=list(answer.key_errors),
            causes=list(answer.causes),
            suggestions=list(answer.suggestions),
            confidence=answer.confidence,
            used_lines=numbered_lines(result.excerpt) if shortened else req.excerpt.used_lines,
            truncated=req.excerpt.truncated or shortened,
            elapsed_ms=int(elapsed * 1000),
            retries=result.retries,
            model=self._settings.model,
        )

    def _degraded(
        self, req: AnalyzeRequest, error_class: str, started: float, *, retries: int = 0
    ) -> Analysis:
        elapsed = time.monotonic() - started
        observe(degraded=True, error_class=error_class, seconds=elapsed)
        return builtin_analysis(
            req.excerpt, error_class=error_class, elapsed_ms=int(elapsed * 1000), retries=retries
        )


def numbered_lines(excerpt: str) -> int:
    """The log lines an excerpt shows (its other lines are skip markers)."""
    return sum(1 for line in excerpt.split("\n") if line[:1].isdigit())
