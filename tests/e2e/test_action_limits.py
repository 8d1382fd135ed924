"""Action steps at their limits, end to end on the session's real Temporal: an analyze step
whose timeout is shorter than the LLM's answer, and a Jenkins build that fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from sluice.settings import Settings
from tests.e2e.flow import publish, steps_by_name, wait_for_task
from tests.peers.jenkins import JenkinsPeer
from tests.peers.llm import OpenAIPeer
from watcher.agent import Agent

LOGS = Path(__file__).parent.parent / "data" / "logs"


@pytest.fixture
def settings(settings: Settings, jenkins_peer: JenkinsPeer, openai_peer: OpenAIPeer) -> Settings:
    """The session settings plus a Jenkins server and an LLM that takes its time (60 s)."""
    server = {"url": jenkins_peer.url, "user": "ci", "api_token": "api-token"}
    ai = {"base_url": openai_peer.base_url, "api_key": "sk-test", "timeout": 60}
    return settings.model_copy(
        update={
            "jenkins": settings.jenkins.model_validate({"servers": {"default": server}}),
            "ai": settings.ai.model_validate(ai),
        }
    )


async def test_an_analyze_step_shorter_than_the_llm_degrades_instead_of_failing(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path, openai_peer: OpenAIPeer
) -> None:
    openai_peer.default, openai_peer.slow_s = "slow", 30.0
    publish(
        database,
        {
            "name": "slow-llm",
            "match": {"suffixes": [".log"]},
            "pipeline": [{"analyze": {"timeout": "5s"}}],
        },
    )
    shutil.copy(LOGS / "java_oom.log", inbox / "slow.log")

    task = await wait_for_task(api, "slow.log", within=60)

    analyze = steps_by_name(task)["analyze"]
    assert analyze["status"] == "succeeded" and analyze["attempts"] == 1
    analysis = json.loads(analyze["summary"]["analysis"])
    assert (analysis["degraded"], analysis["error_class"]) == (True, "timeout")
    assert analysis["severity"] == "critical"  # the built-in analysis of the OOM
    assert len(openai_peer.requests) == 1  # one request, given up in time; none abandoned
