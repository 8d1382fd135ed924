"""The alert analysis activity on the replay set (tests/data/alert_analysis/): every sample's
answer has the schema's structure, cites only entries it was given, and every way the LLM
fails (absent, slow, 429, 401, invalid JSON, wrong schema) gives the built-in analysis marked
degraded with its error class, counted in the metrics. A real model answers instead of the
loopback peer when SLUICE_REPLAY_LLM_BASE_URL is set (see the set's README)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.alert_analysis import AlertAnalysisActivities
from activities.analyze.builtin import SEVERITIES
from activities.analyze.excerpt import excerpt_lines
from activities.analyze.host import ExcerptActivities
from api.services import knowledge as kb
from sluice.actions import ExcerptRequest
from sluice.alerts import fingerprint
from sluice.contracts.alert_analysis import (
    AnalyseGroup,
    AnalysisDone,
    AnalysisRequest,
    LogExcerptRequest,
)
from sluice.settings import AiSettings
from store.models import Alert, AlertGroup, AlertGroupAnalysis, AlertGroupMember, KnowledgeCreate
from tests.peers.llm import OpenAIPeer

SAMPLES = sorted((Path(__file__).parent.parent / "data" / "alert_analysis").glob("*.json"))
NOW = datetime.now(UTC)
REAL = os.environ.get("SLUICE_REPLAY_LLM_BASE_URL")


def load(path: Path) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(path.read_text())
    return sample


def seed(engine: Engine, sample: dict[str, Any]) -> tuple[str, list[int]]:
    """The sample's group, alerts, related alerts and published entries: the group id and the
    entry ids."""
    group_id = f"alert-group-{abs(hash(json.dumps(sample['group']))):024d}"[:36]
    with Session(engine) as session:
        session.add(AlertGroup(id=group_id, route=sample["group"]["route"],
                               group_labels=sample["group"]["labels"]))  # fmt: skip
        for item in sample["alerts"] + sample.get("related", []):
            fp = fingerprint(item["labels"])
            session.add(Alert(fingerprint=fp, status=item["status"],
                              severity=item["labels"].get("severity", ""), labels=item["labels"],
                              annotations=item["annotations"], last_seen_at=NOW))  # fmt: skip
            if item in sample["alerts"]:
                session.add(AlertGroupMember(group_id=group_id, fingerprint=fp))
        session.commit()
        ids = []
        for entry in sample["knowledge"]:
            spec = KnowledgeCreate(**entry, status="published")
            created = kb.create(session, spec=spec, actor="replay")
            assert created.id is not None
            ids.append(created.id)
    return group_id, ids


def answer_for(sample: dict[str, Any], ids: list[int]) -> str:
    """What the loopback peer says: a valid answer citing the first entry offered."""
    return json.dumps({
        "summary": f"{sample['description']}.", "severity": "high",
        "causes": ["a probable cause"], "actions": [{"action": "look", "risk": "low"}],
        "confidence": 0.6, "knowledge": [f"KB-{i}" for i in ids[:1]],
    })  # fmt: skip


async def analyse(
    engine: Engine, ai: AiSettings, group_id: str, sample: dict[str, Any], timeout_s: float = 120
) -> AlertGroupAnalysis:
    env = ActivityEnvironment()
    env.info = replace(
        env.info, start_to_close_timeout=timedelta(seconds=timeout_s),
        schedule_to_close_timeout=None, current_attempt_scheduled_time=NOW,
    )  # fmt: skip
    excerpt = None
    if "log" in sample:
        excerpt = excerpt_lines(
            sample["log"].splitlines(keepends=True), ExcerptRequest("", "", 0, 0)
        )
    step = AnalyseGroup(AnalysisRequest(group_id), excerpt)
    done: AnalysisDone = await env.run(AlertAnalysisActivities(engine, ai).analyse, step)
    with Session(engine) as session:
        row = session.get(AlertGroupAnalysis, done.id)
        assert row is not None and (row.degraded, row.error_class) == (
            done.degraded,
            done.error_class,
        )
        return row


def assert_structure(row: AlertGroupAnalysis, offered: list[int]) -> None:
    assert row.summary.strip() and len(row.summary) <= 2000
    assert row.severity in SEVERITIES
    assert 0 <= row.confidence <= 1
    assert all(isinstance(c, str) and c for c in row.causes) and len(row.causes) <= 10
    for action in row.actions:
        assert set(action) == {"action", "risk"} and action["action"]
        assert action["risk"] in ("low", "medium", "high", "unknown")
    assert set(row.knowledge) <= set(offered)


def degraded_count(error_class: str) -> float:
    labels = {"outcome": "degraded", "error_class": error_class}
    return REGISTRY.get_sample_value("sluice_ai_analyses_total", labels) or 0.0


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
async def test_replay_every_sample_answers_in_the_schema(
    path: Path, metadata_engine: Engine, openai_peer: OpenAIPeer
) -> None:
    sample = load(path)
    group_id, ids = seed(metadata_engine, sample)
    if REAL:
        model = os.environ.get("SLUICE_REPLAY_LLM_MODEL", "default")
        key = SecretStr(os.environ.get("SLUICE_REPLAY_LLM_API_KEY", "none"))
        ai = AiSettings(base_url=REAL, model=model, api_key=key)
    else:
        openai_peer.content = answer_for(sample, ids)
        ai = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"))
    row = await analyse(metadata_engine, ai, group_id, sample)
    if REAL:
        print(f"\n{path.stem}: {row.model_dump_json(indent=1)}")  # for a person to read
    assert not row.degraded, row.error_class
    assert_structure(row, ids)
    if not REAL:
        assert row.knowledge == ids[:1]
        prompt = openai_peer.prompts[-1]
        for item in sample["alerts"]:
            assert item["labels"]["alertname"] in prompt
        for item in sample.get("related", []):
            assert item["annotations"]["summary"] in prompt  # the related alerts are told
        if "log" in sample:
            assert "OutOfMemoryError" in prompt


@pytest.mark.parametrize(
    ("mode", "error_class"),
    [("rate_limit", "rate_limit"), ("auth", "auth"), ("malformed", "invalid_output"),
     ("wrong_schema", "invalid_output"), ("empty", "invalid_output"), ("slow", "timeout")],
)  # fmt: skip
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
async def test_replay_every_degrade_path_gives_the_builtin_analysis(
    path: Path, mode: str, error_class: str, metadata_engine: Engine, openai_peer: OpenAIPeer
) -> None:
    sample = load(path)
    group_id, ids = seed(metadata_engine, sample)
    openai_peer.default, openai_peer.slow_s = mode, 4.0
    before = degraded_count(error_class)
    ai = AiSettings(
        base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), timeout=1.5, max_retries=0
    )
    row = await analyse(metadata_engine, ai, group_id, sample, timeout_s=10)
    assert (row.degraded, row.error_class, row.model) == (True, error_class, "builtin")
    assert_structure(row, ids)
    assert row.knowledge == ids  # the built-in analysis uses every entry matched
    assert degraded_count(error_class) == before + 1


async def test_without_an_llm_the_builtin_analysis_reads_the_log_and_the_knowledge(
    metadata_engine: Engine,
) -> None:
    sample = load(next(p for p in SAMPLES if p.stem == "java_oom_log_alert"))
    group_id, _ = seed(metadata_engine, sample)
    row = await analyse(metadata_engine, AiSettings(), group_id, sample)
    assert (row.degraded, row.error_class, row.severity) == (True, "not_configured", "critical")
    assert any("ran out of memory" in cause for cause in row.causes)
    assert "OutOfMemoryError" in row.summary
    assert row.excerpt == "6 log lines read"


async def test_a_retry_after_a_network_error_still_answers(
    metadata_engine: Engine, openai_peer: OpenAIPeer
) -> None:
    sample = load(SAMPLES[0])
    group_id, ids = seed(metadata_engine, sample)
    openai_peer.modes, openai_peer.content = ["malformed"], answer_for(sample, ids)
    ai = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), max_retries=1)
    row = await analyse(metadata_engine, ai, group_id, sample)
    assert not row.degraded and len(openai_peer.prompts) == 2


def test_the_agent_reads_a_log_alerts_file_only_inside_its_roots(tmp_path: Path) -> None:
    root, outside = tmp_path / "logs", tmp_path / "secret"
    root.mkdir()
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0\n")
    log = root / "app.log"
    log.write_text("".join(f"line {n} INFO ok\n" for n in range(100_000)) + "ERROR boom\n")
    (root / "escape").symlink_to(outside / "passwd")
    acts = ExcerptActivities([root])
    env = ActivityEnvironment()
    excerpt = env.run(acts.extract_log_excerpt, LogExcerptRequest(str(log)))
    assert "ERROR boom" in excerpt.text and excerpt.findings.levels.get("ERROR") == 1
    for path in (str(outside / "passwd"), str(root / "escape"), "relative.log", str(root)):
        with pytest.raises(Exception, match=r"outside|not inside|roots") as refused:
            env.run(acts.extract_log_excerpt, LogExcerptRequest(path))
        assert "root:x" not in str(refused.value)
