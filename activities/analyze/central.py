"""The central side of `analyze`: the LLM call, degrading to the built-in analyzer."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from activities.analyze.builtin import builtin_analysis
from activities.analyze.llm import LlmClient
from activities.analyze.metrics import count_tokens, observe
from sluice.actions import Analysis, AnalyzeRequest, LogFindings
from sluice.llm import LlmFailed
from sluice.settings import AiSettings
from store.knowledge import any_published, cited_ids, entry_block, search
from store.models.knowledge import KnowledgeEntry, entry_key

MAX_ENTRIES = 3  # knowledge entries a file's analysis is given
MAX_ENTRY_BYTES = 1500
MAX_QUERY_CHARS = 2000


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

    def __init__(self, settings: AiSettings, engine: Engine | None = None) -> None:
        self._settings = settings
        self._llm = LlmClient(settings)
        self._engine = engine  # the knowledge base's; None: analyses without it

    @activity.defn(name="analyze_excerpt")
    async def analyze_excerpt(self, req: AnalyzeRequest) -> Analysis:
        """Never fails for the LLM's sake: it degrades to the built-in analyzer instead, also
        before the step's timeout, so an abandoned request never fails the task."""
        started = time.monotonic()
        entries = await asyncio.to_thread(self._knowledge, req.excerpt.findings)
        offered = [e.id for e in entries if e.id is not None]
        req = replace(req, knowledge=[entry_block(e, MAX_ENTRY_BYTES) for e in entries])
        if not self._llm.configured:
            return self._degraded(req, "not_configured", started, entries=entries)
        budget = llm_seconds(activity.info())
        deadline = started + (budget if budget is not None else float("inf"))
        try:
            result = await self._llm.analyse(req, deadline=deadline)
        except LlmFailed as exc:
            activity.logger.warning("AI analysis degraded (%s): %s", exc.error_class, exc)
            count_tokens(*exc.tokens)
            return self._degraded(
                req, exc.error_class, started, retries=exc.retries, entries=entries
            )
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
            knowledge=[entry_key(i) for i in cited_ids(answer.knowledge, offered)],
        )

    def _degraded(
        self, req: AnalyzeRequest, error_class: str, started: float, *, retries: int = 0,
        entries: list[KnowledgeEntry],
    ) -> Analysis:  # fmt: skip
        elapsed = time.monotonic() - started
        observe(degraded=True, error_class=error_class, seconds=elapsed)
        analysis = builtin_analysis(
            req.excerpt, error_class=error_class, elapsed_ms=int(elapsed * 1000), retries=retries
        )
        for entry in entries:  # what the team wrote down comes first
            key = entry_key(entry.id or 0)
            analysis.knowledge.append(key)
            if entry.cause:
                analysis.causes.insert(0, f"{entry.cause[:500]} [{key}]")
            if entry.resolution:
                analysis.suggestions.insert(0, f"{entry.resolution[:500]} [{key}]")
        analysis.causes, analysis.suggestions = analysis.causes[:5], analysis.suggestions[:5]
        return analysis

    def _knowledge(self, findings: LogFindings) -> list[KnowledgeEntry]:
        """The published entries that best match the file's errors (none without a base); a
        failing search only loses them."""
        if self._engine is None:
            return []
        errors = [*findings.exception_types, *(line for _, line in findings.top_errors[:3])]
        query = "\n".join(dict.fromkeys([*errors, findings.first_error]))[:MAX_QUERY_CHARS]
        if not query.strip():
            return []
        try:
            with Session(self._engine) as session:
                if not any_published(session):
                    return []
                hits = search(session, query=query, labels={}, error=findings.first_error,
                              limit=MAX_ENTRIES)  # fmt: skip
                return [hit.entry for hit in hits]
        except Exception:
            activity.logger.warning("knowledge search for the analysis failed", exc_info=True)
            return []


def numbered_lines(excerpt: str) -> int:
    """The log lines an excerpt shows (its other lines are skip markers)."""
    return sum(1 for line in excerpt.split("\n") if line[:1].isdigit())
