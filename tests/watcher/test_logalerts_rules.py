"""Log keyword rules: matching (keywords, RE2 regexes, excludes, case), suppression of repeats
counted and reported later, and escalation of a match that persists; time is passed in."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sluice.logalerts import LogAlertRule, LogAlertSettings, normalise, signature
from watcher.logalerts.rules import Matcher, Report

PATH = "/srv/logs/app.log"


def matcher(**rule: Any) -> Matcher:
    return Matcher([LogAlertRule.model_validate({"name": "oom", "paths": ["*.log"]} | rule)])


def feed(m: Matcher, line: str, now: float) -> list[Report]:
    return m.observe(m.rules, PATH, line, now)


def test_keywords_regexes_excludes_and_case() -> None:
    m = matcher(keywords=["OutOfMemoryError", "订单落库失败"], regexes=[r"exit code [1-9]\d*"],
                excludes=["expected"], suppress_window=0)  # fmt: skip
    assert feed(m, "java.lang.OutOfMemoryError: heap", 0)
    assert feed(m, "2026-12-06 订单落库失败 id=7", 1)
    assert feed(m, "worker exit code 137", 2)
    assert not feed(m, "worker exit code 0", 3)
    assert not feed(m, "OutOfMemoryError expected in this test", 4)
    assert not feed(m, "outofmemoryerror", 5)
    folded = matcher(keywords=["OutOfMemoryError"], match_case=False, suppress_window=0)
    assert feed(folded, "outofmemoryerror", 0)


def test_repeats_within_the_window_are_counted_and_sent_with_the_next_report() -> None:
    m = matcher(keywords=["ERROR"], suppress_window=60, severity="system", labels={"team": "a"})
    (first,) = feed(m, "ERROR order 1001 failed", 0)
    assert (first.count, first.suppressed, first.severity, first.labels) == (
        1,
        0,
        "system",
        {"team": "a"},
    )
    assert feed(m, "ERROR order 1002 failed", 10) == []  # same signature: numbers normalised
    assert feed(m, "ERROR order 1003 failed", 20) == []
    (other,) = feed(m, "ERROR disk gone", 30)  # another signature is not held back
    assert other.signature != first.signature
    (after,) = feed(m, "ERROR order 1004 failed", 61)
    assert (after.count, after.suppressed, after.at) == (3, 2, 10)
    assert after.signature == first.signature and after.line == "ERROR order 1004 failed"


def test_a_closed_window_reports_its_count_without_a_new_match() -> None:
    m = matcher(keywords=["ERROR"], suppress_window=60)
    feed(m, "ERROR a", 0)
    feed(m, "ERROR a", 5)
    assert m.due(59) == []
    (late,) = m.due(60)
    assert (late.count, late.suppressed, late.at, late.line) == (1, 1, 5, "ERROR a")
    assert m.due(200) == []  # sent once
    (fresh,) = feed(m, "ERROR a", 201)  # the window was closed: reported at once
    assert fresh.suppressed == 0


def test_a_persisting_match_escalates_once_per_window() -> None:
    m = matcher(keywords=["ERROR"], suppress_window=300, escalate_after=3, escalate_window=60,
                escalate_severity="fatal")  # fmt: skip
    reports = [r for t in (0, 10, 100, 110) for r in feed(m, "ERROR x", t)]
    assert [r.escalated for r in reports] == [False]  # 3 within 60 s not reached yet
    (escalated,) = feed(m, "ERROR x", 120)  # 100, 110, 120: three within 60 s
    assert (escalated.escalated, escalated.severity) == (True, "fatal")
    assert feed(m, "ERROR x", 130) == []  # escalated already, within its window


def test_the_signature_ignores_what_varies() -> None:
    assert normalise("id=0x1f  took 12.5ms  req deadbeefcafe01") == "id=# took #ms req #"
    assert signature("r", "a 1") == signature("r", "a 2") != signature("s", "a 1")


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"name": "r", "paths": ["*.log"]}, "needs keywords or regexes"),
        ({"name": "r", "paths": ["*.log"], "regexes": ["(?<=x)y"]}, "regex"),
        ({"name": "r", "paths": [], "keywords": ["x"]}, "paths"),
        ({"name": "r", "paths": ["*.log"], "keywords": ["x"], "labels": {"host": "h"}},
         "set by the agent"),
        ({"name": "r", "paths": ["*.log"], "keywords": ["x"], "suppress_window": "soon"},
         "duration"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_with_the_reason(rule: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        LogAlertSettings.model_validate({"rules": [rule]})


def test_go_watch_file_durations_and_unique_names() -> None:
    rule = {"name": "r", "paths": ["*.log"], "keywords": ["x"], "suppress_window": "5m"}
    assert LogAlertSettings.model_validate({"rules": [rule]}).rules[0].suppress_window == 300
    with pytest.raises(ValidationError, match="repeated"):
        LogAlertSettings.model_validate({"rules": [rule, rule]})
