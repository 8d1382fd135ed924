"""The config sidecar's Prometheus metrics: drift, the last apply's outcome, failed reports.

One registry per sidecar (as the agent's), so several in one process (tests) never collide;
`sluice config-agent` serves it on `config_agent.metrics_port`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

APPLY_OUTCOMES = ("applied", "failed", "superseded")


class ConfigAgentMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.drift = Gauge(
            "sluice_config_agent_drift",
            "1 while the live files differ from the applied version (changed by hand)",
            registry=r,
        )
        self.version = Gauge(
            "sluice_config_agent_version", "The config version live on the target", registry=r
        )
        self.last_apply_success = Gauge(
            "sluice_config_agent_last_apply_success",
            "1 if the last apply made its version live (or none ran yet), 0 if it failed",
            registry=r,
        )
        self.applies = Counter(
            "sluice_config_agent_applies", "Applies, by outcome", ["outcome"], registry=r
        )
        self.report_failures = Gauge(
            "sluice_config_agent_report_failures",
            "Status reports refused or unanswered in a row (0 once one is taken)",
            registry=r,
        )
        self.last_apply_success.set(1)
        for outcome in APPLY_OUTCOMES:  # at 0 from the start, so rate() sees the first one
            self.applies.labels(outcome)

    def render(self) -> bytes:
        return generate_latest(self.registry)
