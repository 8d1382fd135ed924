"""Alert group messages: the routing document's template or, when it fails on real values,
the built-in one with the reason; the check's sample values have the shapes sent at run time."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.alert_groups.messages import alert_values, group_values, render_alert_message
from sluice.alerting.document import check_routing
from sluice.alerting.templates import ESCALATION, GROUP, sample_alert, sample_values

AT = datetime(2026, 12, 6, 12, tzinfo=UTC)
# Passes the check (1 or 0 firing in the samples) and divides by zero with 2 firing.
FRAGILE = "templates:\n  t:\n    title: '{{ 10 // (counts.firing - 2) }} left'\n"


def test_the_samples_have_the_shapes_the_activities_render() -> None:
    stored = {"fingerprint": "f", "labels": {"alertname": "A"}, "annotations": {},
              "status": "firing", "starts_at": AT, "ends_at": None}  # fmt: skip
    assert set(sample_alert({"alertname": "A"}, "firing", AT)) == set(alert_values(stored))
    firing, resolved = sample_values(GROUP)
    assert set(firing["group"]) == set(group_values("g", "r", {}, ""))
    assert set(firing) == set(resolved) == {
        "group", "counts", "firing", "new", "resolved", "resolved_silenced", "expired",
        "analysis",
    }  # fmt: skip
    assert set(sample_values(ESCALATION)[0]) == {"group", "counts", "firing", "escalation"}


def test_a_template_failing_on_real_values_falls_back_to_the_built_in_one() -> None:
    template = check_routing(FRAGILE).templates["t"]
    values = sample_values(GROUP)[0]
    message, why = render_alert_message("alert_group", values, template)
    assert (message.title, why) == ("-10 left", "")
    two = {**values, "counts": {"firing": 2, "resolved": 0}}
    message, why = render_alert_message("alert_group", two, template, language="zh")
    assert message.title.startswith("[Sluice] 告警中:2")  # the built-in template, in Chinese
    assert why == "message template for alert_group: ZeroDivisionError: integer division or " \
        "modulo by zero"  # fmt: skip
    assert message.facts["counts"] == {"firing": 2, "resolved": 0}
