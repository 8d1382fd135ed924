"""Prometheus metrics of the analyze step: outcome, latency, degraded ratio, tokens.

Every label set exists at 0 from import on: a series born at its first event has no earlier
sample, so `rate()` would never see that event (the degrade-ratio alert gave NaN).
"""

from __future__ import annotations

from collections import deque

from prometheus_client import Counter, Gauge, Histogram

from sluice.llm import ERROR_CLASSES

ANALYSES = Counter(
    "sluice_ai_analyses_total",
    "Analyses by outcome (llm, degraded) and error class of the degraded ones",
    ["outcome", "error_class"],
)
LATENCY = Histogram(
    "sluice_ai_latency_seconds",
    "Time an analysis took, LLM call included",
    ["outcome"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120),
)
TOKENS = Counter("sluice_ai_tokens_total", "Tokens the LLM reported using", ["kind"])
DEGRADED_RATIO = Gauge(
    "sluice_ai_degraded_ratio",
    "Share of the last 100 analyses that fell back to the built-in analyzer",
)

ANALYSES.labels("llm", "")
for _error_class in ERROR_CLASSES:
    ANALYSES.labels("degraded", _error_class)
for _outcome in ("llm", "degraded"):
    LATENCY.labels(_outcome)
for _kind in ("prompt", "completion"):
    TOKENS.labels(_kind)

_recent: deque[bool] = deque(maxlen=100)


def observe(*, degraded: bool, error_class: str, seconds: float) -> None:
    outcome = "degraded" if degraded else "llm"
    ANALYSES.labels(outcome, error_class).inc()
    LATENCY.labels(outcome).observe(seconds)
    _recent.append(degraded)
    DEGRADED_RATIO.set(sum(_recent) / len(_recent))


def count_tokens(prompt: int, completion: int) -> None:
    TOKENS.labels("prompt").inc(prompt)
    TOKENS.labels("completion").inc(completion)
