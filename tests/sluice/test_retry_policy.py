"""The default retry policies ride out an outage of an hour, and still give up on the rest."""

from __future__ import annotations

import pytest

from sluice.contracts import TRANSIENT_ERROR_CLASSES, RetrySettings, StepPlan
from sluice.rules import parse_rule
from sluice.rules.plan import DEFAULT_STAGES

HOUR = 3600.0


def attempts_until_given_up(retry: RetrySettings, error_class: str) -> tuple[int, float]:
    """(attempts, seconds of waiting between them) for a step that fails every time, at once."""
    attempt, waited = 1, 0.0
    while (delay := retry.next_delay_s(attempt, error_class, waited)) is not None:
        attempt, waited = attempt + 1, waited + delay
    return attempt, waited


@pytest.mark.parametrize("error_class", TRANSIENT_ERROR_CLASSES)
def test_an_outage_of_an_hour_is_ridden_out_by_default(error_class: str) -> None:
    attempts, waited = attempts_until_given_up(RetrySettings(), error_class)

    assert waited >= HOUR  # S3, Jenkins, a webhook or the LLM down for an hour loses nothing
    assert waited <= RetrySettings().deadline_s  # and the total is bounded
    assert attempts < 200  # capped backoff: at most one attempt per max_interval once capped


@pytest.mark.parametrize("error_class", ["unknown", "action_failed", "conflict"])
def test_failures_that_may_be_permanent_keep_five_attempts(error_class: str) -> None:
    assert attempts_until_given_up(RetrySettings(), error_class) == (5, 2 + 4 + 8 + 16)


def test_a_rule_may_turn_the_deadline_off_or_a_class_non_retryable() -> None:
    assert attempts_until_given_up(RetrySettings(deadline_s=0), "network")[0] == 5
    assert attempts_until_given_up(RetrySettings(non_retryable=["network"]), "network")[0] == 1


def test_a_server_retry_after_is_waited_within_max_interval() -> None:
    retry = RetrySettings()
    assert retry.next_delay_s(1, "rate_limit", 0.0, retry_after_s=30.0) == 30.0
    assert retry.next_delay_s(1, "rate_limit", 0.0, retry_after_s=9999.0) == retry.max_interval_s


def rule_steps(pipeline: list[object]) -> dict[str, StepPlan]:
    spec = parse_rule({"name": "r", "match": {"suffixes": [".log"]}, "pipeline": pipeline})
    return {step.type: step for stage in spec.to_plan_stages() for step in stage}


def test_rules_and_the_default_plan_use_the_default_policies() -> None:
    steps = rule_steps([{"upload": {}}, {"jenkins": {"job": "j"}}])

    upload, jenkins = steps["upload"], steps["jenkins"]
    assert upload.retry == RetrySettings() == jenkins.retry
    # An upload beats on a timer, so a short timeout costs nothing and a killed agent's
    # upload is retried within seconds; other steps keep 30 s (a Jenkins call may take longer).
    assert upload.heartbeat_timeout_s == 10.0
    assert jenkins.heartbeat_timeout_s == 30.0
    assert DEFAULT_STAGES[0][0].heartbeat_timeout_s == 10.0
    assert DEFAULT_STAGES[0][0].retry == RetrySettings()


def test_an_explicit_max_attempts_bounds_outages_too_unless_a_deadline_is_given() -> None:
    once = rule_steps([{"upload": {"retry": {"max_attempts": 1}}}])["upload"].retry
    both = rule_steps([{"upload": {"retry": {"max_attempts": 2, "deadline": "1h"}}}])["upload"]

    assert attempts_until_given_up(once, "network")[0] == 1  # "one attempt" means one
    assert attempts_until_given_up(both.retry, "network")[1] >= HOUR - 120
    assert attempts_until_given_up(both.retry, "unknown")[0] == 2


def test_a_rule_sets_the_deadline_as_a_duration() -> None:
    steps = rule_steps([{"upload": {"retry": {"deadline": "2h"}, "heartbeat_timeout": "20s"}}])

    assert steps["upload"].retry.deadline_s == 2 * HOUR
    assert steps["upload"].heartbeat_timeout_s == 20.0
