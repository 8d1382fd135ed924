"""The agent's labelled counters exist at 0 from start, so rate() sees their first event."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from sluice.contracts import ERROR_CLASSES
from watcher.metrics import AgentMetrics


def test_every_known_label_value_is_exported_at_zero_before_any_event() -> None:
    scraped = {
        (s.name, tuple(s.labels.values())): s.value
        for family in text_string_to_metric_families(AgentMetrics().render().decode())
        for s in family.samples
    }
    for outcome in ("seen", "filtered"):
        assert scraped[("sluice_agent_events_total", (outcome,))] == 0
    for outcome in ("started", "duplicate"):
        assert scraped[("sluice_agent_dispatched_total", (outcome,))] == 0
    for error_class in ("dispatch", "shutdown", "symlink_escape", "config", *ERROR_CLASSES):
        assert scraped[("sluice_agent_errors_total", (error_class,))] == 0
