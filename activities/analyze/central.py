"""The central side of `analyze`: the LLM call, degrading to the built-in analyzer."""

from __future__ import annotations

import time

from temporalio import activity

from activities.analyze.builtin import builtin_analysis
from activities.analyze.llm import LlmClient, LlmFailed
from activities.analyze.metrics import count_tokens, observe
from sluice.actions import Analysis, AnalyzeRequest
from sluice.settings import AiSettings


class AnalyzeActivities:
    """Central side: the LLM call and the fallback."""

    def __init__(self, settings: AiSettings) -> None:
        self._settings = settings
        self._llm = LlmClient(settings)

    @activity.defn(name="analyze_excerpt")
    async def analyze_excerpt(self, req: AnalyzeRequest) -> Analysis:
        """Never fails for the LLM's sake: it degrades to the built-in analyzer instead."""
        started = time.monotonic()
        if not self._llm.configured:
            return self._degraded(req, "not_configured", started)
        try:
            answer, retries, (prompt, completion) = await self._llm.analyse(req)
        except LlmFailed as exc:
            activity.logger.warning("AI analysis degraded (%s): %s", exc.error_class, exc)
            return self._degraded(req, exc.error_class, started)
        count_tokens(prompt, completion)
        elapsed = time.monotonic() - started
        observe(degraded=False, error_class="", seconds=elapsed)
        return Analysis(
            summary=answer.summary,
            severity=answer.severity,
            key_errors=list(answer.key_errors),
            causes=list(answer.causes),
            suggestions=list(answer.suggestions),
            confidence=answer.confidence,
            used_lines=req.excerpt.used_lines,
            truncated=req.excerpt.truncated,
            elapsed_ms=int(elapsed * 1000),
            retries=retries,
            model=self._settings.model,
        )

    def _degraded(self, req: AnalyzeRequest, error_class: str, started: float) -> Analysis:
        elapsed = time.monotonic() - started
        observe(degraded=True, error_class=error_class, seconds=elapsed)
        return builtin_analysis(
            req.excerpt, error_class=error_class, elapsed_ms=int(elapsed * 1000)
        )
