"""Every step type has a runner, and each runner and cleanup takes its type's options."""

from __future__ import annotations

import typing

import pytest

from sluice.contracts import OPTIONS, STEP_TYPES
from workflows.steps import CLEANUPS, RUNNERS


def test_every_step_type_has_a_runner() -> None:
    assert set(RUNNERS) == set(STEP_TYPES)
    assert set(CLEANUPS) <= set(STEP_TYPES)


@pytest.mark.parametrize("step_type", STEP_TYPES)
def test_a_runner_takes_the_options_its_step_type_has(step_type: str) -> None:
    functions = [RUNNERS[step_type]] + ([CLEANUPS[step_type]] if step_type in CLEANUPS else [])
    for function in functions:
        assert typing.get_type_hints(function)["options"] is OPTIONS[step_type]
