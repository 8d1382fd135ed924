"""Analyse an alert group: its alerts, related alerts, recent events, knowledge matches and,
for a log keyword alert, an excerpt its agent read, asked of the LLM (the `ai` settings the
file `analyze` step uses) and checked against a schema; the built-in analysis, marked
`degraded` with the error class, whenever the LLM is absent, slow, limited or wrong."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import Engine
from temporalio import activity

from activities.alert_analysis.builtin import builtin_alert_analysis
from activities.alert_analysis.prompt import SYSTEM_PROMPT, AlertAnswer, user_prompt
from activities.alert_groups import activity_now, route_of
from activities.analyze.central import llm_seconds
from activities.analyze.metrics import count_tokens, observe
from sluice.contracts.alert_analysis import (
    AnalyseGroup,
    AnalysisDone,
    AnalysisPlan,
    AnalysisRequest,
)
from sluice.llm import LlmFailed, ask_json, async_client
from sluice.settings import AiSettings
from store import alert_analyses
from store.alert_analyses import GroupFacts
from store.alerting import live_routing
from store.knowledge import cited_ids
from store.models import AlertGroupAnalysis

_GIVE_UP_EARLY = ("auth", "rate_limit", "unknown", "context_length")  # retrying won't help soon
_MIN_REQUEST_S = 1.0


class AlertAnalysisActivities:
    def __init__(self, engine: Engine, ai: AiSettings, *, language: str = "") -> None:
        self._engine = engine
        self._ai = ai
        self._client = async_client(ai)
        self._language = language

    @activity.defn(name="plan_alert_analysis")
    async def plan(self, req: AnalysisRequest) -> AnalysisPlan:
        """Whether the group is analysed now (on demand always; automatically as its route
        says), and the log file of its first log keyword alert, if it has one."""
        return await asyncio.to_thread(self._plan, req)

    @activity.defn(name="analyze_alert_group")
    async def analyse(self, req: AnalyseGroup) -> AnalysisDone:
        """Never fails for the LLM's sake: it degrades to the built-in analysis instead, also
        before the activity's timeout."""
        started = time.monotonic()
        now = activity_now()
        facts = await asyncio.to_thread(
            alert_analyses.group_facts, self._engine, req.request.group_id, now
        )
        if facts is None:
            return AnalysisDone(0, True, "not_found")
        row = await self._answer(facts, req, started)
        row.trigger, row.actor = req.request.trigger, req.request.actor
        row.excerpt, row.created_at = _excerpt_note(req), now
        row.elapsed_ms = int((time.monotonic() - started) * 1000)
        observe(degraded=row.degraded, error_class=row.error_class,
                seconds=time.monotonic() - started)  # fmt: skip
        count_tokens(row.prompt_tokens, row.completion_tokens)
        saved = await asyncio.to_thread(alert_analyses.save, self._engine, row)
        return AnalysisDone(saved, row.degraded, row.error_class)

    async def _answer(
        self, facts: GroupFacts, req: AnalyseGroup, started: float
    ) -> AlertGroupAnalysis:
        if self._client is None:
            return _degraded(facts, req, LlmFailed("not_configured", "no ai.base_url"))
        budget = llm_seconds(activity.info())
        deadline = started + (budget if budget is not None else self._ai.timeout)
        prompt = user_prompt(
            facts, req.excerpt, self._ai.context_tokens - self._ai.max_tokens, self._language
        )
        retries, tokens = 0, (0, 0)
        while True:
            left = deadline - time.monotonic()
            try:
                if left < _MIN_REQUEST_S:
                    raise LlmFailed("timeout", "no time left for the LLM within the activity")
                answer, used = await ask_json(
                    self._client, self._ai, SYSTEM_PROMPT, prompt, AlertAnswer,
                    seconds=min(self._ai.timeout, left),
                )  # fmt: skip
            except LlmFailed as exc:
                tokens = (tokens[0] + exc.tokens[0], tokens[1] + exc.tokens[1])
                pause = min(2.0 * (retries + 1), 5.0)
                late = time.monotonic() + pause + _MIN_REQUEST_S > deadline
                if exc.error_class in _GIVE_UP_EARLY or retries >= self._ai.max_retries or late:
                    activity.logger.warning("alert analysis degraded (%s): %s",
                                            exc.error_class, exc)  # fmt: skip
                    exc.tokens = tokens
                    return _degraded(facts, req, exc)
                retries += 1
                await asyncio.sleep(pause)
                continue
            tokens = (tokens[0] + used[0], tokens[1] + used[1])
            offered = [e.id for e in facts.knowledge if e.id is not None]
            row = AlertGroupAnalysis(
                group_id=facts.group.id, summary=answer.summary, severity=answer.severity,
                causes=list(answer.causes), actions=[a.model_dump() for a in answer.actions],
                confidence=answer.confidence, knowledge=cited_ids(answer.knowledge, offered),
                model=self._ai.model, prompt_tokens=tokens[0], completion_tokens=tokens[1],
            )  # fmt: skip
            return row

    def _plan(self, req: AnalysisRequest) -> AnalysisPlan:
        with self._engine.connect() as conn:
            routing = live_routing(conn).routing
        facts = alert_analyses.plan_facts(self._engine, req.group_id)
        if facts is None:
            return AnalysisPlan(run=False)
        route, severities, log = facts
        wanted = req.trigger == "on_demand" or route_of(routing, route).analysis.wanted(severities)
        return AnalysisPlan(wanted, *(log or ("", "")))


def _degraded(facts: GroupFacts, req: AnalyseGroup, exc: LlmFailed) -> AlertGroupAnalysis:
    row = builtin_alert_analysis(facts, req.excerpt)
    row.degraded, row.error_class = True, exc.error_class
    row.prompt_tokens, row.completion_tokens = exc.tokens
    return row


def _excerpt_note(req: AnalyseGroup) -> str:
    if req.excerpt is not None:
        return f"{req.excerpt.used_lines} log lines read"
    return req.excerpt_note[:500]
