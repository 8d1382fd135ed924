"""The analyze step's two halves: the host excerpt and the central LLM call with fallback,
replayed over the sample logs against an OpenAI-compatible peer."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.analyze.builtin import SEVERITIES
from activities.analyze.central import AnalyzeActivities
from activities.analyze.host import ExcerptActivities
from sluice.actions import Analysis, AnalyzeRequest, Excerpt, ExcerptRequest
from sluice.settings import AiSettings
from tests.fixtures.knowledge import published_entry
from tests.peers.llm import GOOD, OpenAIPeer

LOGS = Path(__file__).parent.parent / "data" / "logs"
SAMPLES = ["java_oom.log", "python_traceback.log", "nginx_error.log", "clean.log"]


def excerpt_of(tmp_path: Path, name: str, **options: object) -> Excerpt:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    path = root / name
    shutil.copy(LOGS / name, path)
    st = path.stat()
    req = ExcerptRequest(str(root), name, st.st_size, st.st_mtime_ns, **options)  # type: ignore[arg-type]
    result: Excerpt = ActivityEnvironment().run(ExcerptActivities([root]).extract_excerpt, req)
    return result


def assert_structure(analysis: Analysis) -> None:
    assert analysis.summary
    assert analysis.severity in SEVERITIES
    assert 0 <= analysis.confidence <= 1
    for items in (analysis.key_errors, analysis.causes, analysis.suggestions):
        assert isinstance(items, list) and all(isinstance(i, str) for i in items)
    json.dumps(analysis.__dict__)  # it travels and is stored as JSON


def sample(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, labels) or 0.0


async def analyse(
    settings: AiSettings | AnalyzeActivities, excerpt: Excerpt, *, step_timeout_s: float = 300
) -> Analysis:
    """One activity run, with the start-to-close timeout a step of `step_timeout_s` gives it."""
    acts = settings if isinstance(settings, AnalyzeActivities) else AnalyzeActivities(settings)
    env = ActivityEnvironment()
    timeout = timedelta(seconds=step_timeout_s)
    env.info = replace(env.info, start_to_close_timeout=timeout, schedule_to_close_timeout=None)
    result: Analysis = await env.run(acts.analyze_excerpt, AnalyzeRequest("app.log", excerpt))
    return result


@pytest.mark.parametrize(
    ("name", "severity", "signature"),
    [
        ("java_oom.log", "critical", "java_oom"),
        ("python_traceback.log", "high", "python_traceback"),
        ("nginx_error.log", "high", "nginx_upstream_timeout"),
        ("clean.log", "info", None),
    ],
)
async def test_builtin_analyzer_reads_each_sample_log(
    tmp_path: Path, name: str, severity: str, signature: str | None
) -> None:
    excerpt = excerpt_of(tmp_path, name)
    analysis = await analyse(AiSettings(), excerpt)  # no base_url: built-in only

    assert_structure(analysis)
    assert analysis.degraded and analysis.error_class == "not_configured"
    assert analysis.severity == severity
    if signature:
        assert signature in excerpt.findings.signatures
        assert analysis.key_errors and analysis.causes and analysis.suggestions
    else:
        assert excerpt.findings.signatures == [] and analysis.key_errors == []
        assert "No errors found in 301 lines" in analysis.summary


def test_java_oom_excerpt_keeps_the_error_window_and_heap_dump_context(tmp_path: Path) -> None:
    excerpt = excerpt_of(tmp_path, "java_oom.log", max_lines=60, context_lines=3)
    f = excerpt.findings

    assert "heap_dump" in f.signatures and "java_stack_trace" in f.signatures
    assert f.levels["ERROR"] == 51 and f.levels["INFO"] == 300
    assert f.exception_types[0] == "java.lang.OutOfMemoryError"
    assert int(f.top_errors[0][0]) >= 50  # the repeated OOM line, timestamps normalised away
    assert "Dumping heap to /data/dumps/java_pid4242.hprof" in excerpt.text
    assert "1: 2026-11-20 10:00:00,123 INFO" in excerpt.text  # head
    assert "lines skipped" in excerpt.text and excerpt.truncated
    assert excerpt.used_lines <= 60
    assert "hunter2" not in excerpt.text and "abc123" not in excerpt.text
    assert "password=***" in excerpt.text


def test_excerpt_is_bounded_in_bytes_and_masks_url_credentials(tmp_path: Path) -> None:
    excerpt = excerpt_of(tmp_path, "python_traceback.log", max_bytes=2048, max_lines=1000)
    assert len(excerpt.text.encode()) <= 2048
    assert excerpt.truncated
    full = excerpt_of(tmp_path, "python_traceback.log", max_lines=1000, max_bytes=64 * 1024)
    assert "KeyError: 'customer_id'" in full.text
    assert "s3cr3tpw" not in full.text and "postgresql://app:***@db.internal" in full.text


@pytest.mark.parametrize("mode", ["ok", "fenced"])
async def test_llm_answer_is_validated_and_used(
    tmp_path: Path, openai_peer: OpenAIPeer, mode: str
) -> None:
    openai_peer.modes = [mode]
    settings = AiSettings(
        base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), model="qwen-test"
    )
    excerpt = excerpt_of(tmp_path, "java_oom.log")
    tokens_before = sample("sluice_ai_tokens_total", kind="prompt")
    llm_before = sample("sluice_ai_analyses_total", outcome="llm", error_class="")

    analysis = await analyse(settings, excerpt)

    assert_structure(analysis)
    assert not analysis.degraded and analysis.error_class == ""
    assert (analysis.summary, analysis.severity) == (GOOD["summary"], "critical")
    assert analysis.model == "qwen-test" and analysis.used_lines == excerpt.used_lines
    prompt = openai_peer.prompts[-1]
    assert "java_pid4242.hprof" in prompt and "hunter2" not in prompt
    assert openai_peer.prompt_tokens[-1] > 1000  # what the peer reported, counted
    assert (
        sample("sluice_ai_tokens_total", kind="prompt")
        == tokens_before + openai_peer.prompt_tokens[-1]
    )
    assert sample("sluice_ai_analyses_total", outcome="llm", error_class="") == llm_before + 1


@pytest.mark.parametrize(
    ("modes", "error_class", "calls"),
    [
        (["malformed", "malformed"], "invalid_output", 2),  # one retry, then give up
        (["wrong_schema", "wrong_schema"], "invalid_output", 2),
        (["rate_limit"], "rate_limit", 1),  # never hammered
        (["auth"], "auth", 1),
        (["slow", "slow"], "timeout", 2),
    ],
)
async def test_llm_failures_degrade_to_the_builtin_analyzer(
    tmp_path: Path, openai_peer: OpenAIPeer, modes: list[str], error_class: str, calls: int
) -> None:
    openai_peer.modes = list(modes)
    openai_peer.slow_s = 1.5
    settings = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), timeout=0.5)
    excerpt = excerpt_of(tmp_path, "nginx_error.log")
    before = sample("sluice_ai_analyses_total", outcome="degraded", error_class=error_class)
    tokens_before = sample("sluice_ai_tokens_total", kind="prompt")

    analysis = await analyse(settings, excerpt)

    assert_structure(analysis)
    assert analysis.degraded and analysis.error_class == error_class
    assert analysis.model == "builtin" and analysis.severity == "high"
    assert len(openai_peer.requests) == calls
    assert analysis.retries == calls - 1  # the requests it made are recorded
    answered = sum(openai_peer.prompt_tokens) if error_class == "invalid_output" else 0
    assert sample("sluice_ai_tokens_total", kind="prompt") == tokens_before + answered
    assert (
        sample("sluice_ai_analyses_total", outcome="degraded", error_class=error_class)
        == before + 1
    )
    assert 0 < (REGISTRY.get_sample_value("sluice_ai_degraded_ratio") or 0) <= 1


async def test_llm_recovers_after_one_bad_answer(tmp_path: Path, openai_peer: OpenAIPeer) -> None:
    openai_peer.modes = ["malformed", "ok"]
    settings = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"))
    analysis = await analyse(settings, excerpt_of(tmp_path, "java_oom.log"))
    assert not analysis.degraded and analysis.retries == 1


def busy_log(tmp_path: Path, lines: int, text: str) -> Excerpt:
    """A log whose excerpt fills the default 400 lines / 32 KiB."""
    name = f"busy-{lines}.log"
    (tmp_path / "src").mkdir(exist_ok=True)
    body = "".join(
        f"2026-11-20 10:{n // 60 % 60:02d}:{n % 60:02d},{n % 1000:03d} ERROR [exec-{n % 17}] "
        f"c.e.ReportService - {text} id={n * 7919:x} after {n * 37} ms\n"
        for n in range(lines)
    )
    source = tmp_path / "src" / name
    source.write_text(body, encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    shutil.copy(source, root / name)
    st = (root / name).stat()
    req = ExcerptRequest(str(root), name, st.st_size, st.st_mtime_ns)
    result: Excerpt = ActivityEnvironment().run(ExcerptActivities([root]).extract_excerpt, req)
    return result


@pytest.mark.parametrize("style", ["llama.cpp", "openai"])
async def test_a_prompt_too_big_for_the_model_is_shortened_and_retried(
    tmp_path: Path, openai_peer: OpenAIPeer, style: str
) -> None:
    openai_peer.context_tokens, openai_peer.style = 4096, style
    excerpt = busy_log(tmp_path, 2000, "report build failed: upstream timed out")
    assert len(excerpt.text.encode()) > 30_000  # the default excerpt, ~15k tokens
    acts = AnalyzeActivities(
        AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"))
    )

    analysis = await analyse(acts, excerpt)

    assert not analysis.degraded and analysis.retries == 1
    first, second = openai_peer.prompt_tokens
    assert first > 4096 and second + 1024 <= 4096  # refused, then it fit with room to answer
    assert analysis.truncated and 0 < analysis.used_lines < excerpt.used_lines
    assert "excerpt shortened to fit" in openai_peer.prompts[-1]
    assert openai_peer.prompts[-1].rstrip().endswith(excerpt.text.rsplit("\n", 1)[-1])  # tail kept

    again = await analyse(acts, excerpt)  # the server's context size was learnt
    assert not again.degraded and again.retries == 0 and len(openai_peer.prompt_tokens) == 3


async def test_the_context_setting_fits_cjk_text_at_the_first_request(
    tmp_path: Path, openai_peer: OpenAIPeer
) -> None:
    openai_peer.context_tokens = 4096
    excerpt = busy_log(tmp_path, 2000, "报表生成失败 上游服务响应超时 请检查数据库连接池配置")
    settings = AiSettings(
        base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), context_tokens=4096
    )
    analysis = await analyse(settings, excerpt, step_timeout_s=60)
    assert not analysis.degraded and analysis.retries == 0
    [tokens] = openai_peer.prompt_tokens
    assert 2000 < tokens <= 4096 - 1024


async def test_a_model_whose_context_cannot_hold_the_prompt_degrades_as_context_length(
    tmp_path: Path, openai_peer: OpenAIPeer
) -> None:
    openai_peer.context_tokens = 200  # smaller than the instructions alone
    before = sample("sluice_ai_analyses_total", outcome="degraded", error_class="context_length")
    settings = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"))
    analysis = await analyse(settings, excerpt_of(tmp_path, "java_oom.log"))
    assert analysis.degraded and analysis.error_class == "context_length"
    assert analysis.severity == "critical"  # the built-in analysis
    assert analysis.retries == len(openai_peer.requests) - 1 <= 3
    after = sample("sluice_ai_analyses_total", outcome="degraded", error_class="context_length")
    assert after == before + 1


async def test_the_llm_gets_the_time_the_step_has_left(
    tmp_path: Path, openai_peer: OpenAIPeer
) -> None:
    """A step timeout shorter than ai.timeout: the activity answers with the built-in analysis
    before its own start-to-close timeout (the workflow test shows the task succeeds)."""
    openai_peer.default, openai_peer.slow_s = "slow", 30.0
    settings = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), timeout=60)
    analysis = await analyse(settings, excerpt_of(tmp_path, "java_oom.log"), step_timeout_s=4)
    assert analysis.degraded and analysis.error_class == "timeout"
    assert len(openai_peer.requests) == 1  # no retry that could not finish in time
    assert analysis.elapsed_ms < 4000  # it answered within the activity's timeout


def heap_entry(engine: Engine) -> int:
    return published_entry(
        engine, title="Report service runs out of heap",
        symptoms="java.lang.OutOfMemoryError: Java heap space",
        cause="The report cache has no bound", resolution="Set report.cache.max_entries",
    )  # fmt: skip


async def test_the_file_analysis_is_given_the_knowledge_and_cites_it(
    tmp_path: Path, metadata_engine: Engine, openai_peer: OpenAIPeer
) -> None:
    entry_id = heap_entry(metadata_engine)
    openai_peer.content = json.dumps({**GOOD, "knowledge": [f"KB-{entry_id}", "KB-424242"]})
    settings = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"))
    analysis = await analyse(AnalyzeActivities(settings, metadata_engine),
                             excerpt_of(tmp_path, "java_oom.log"))  # fmt: skip
    assert not analysis.degraded and analysis.knowledge == [f"KB-{entry_id}"]
    assert f"[KB-{entry_id}] Report service runs out of heap" in openai_peer.prompts[-1]


async def test_the_builtin_file_analysis_leads_with_the_knowledge(
    tmp_path: Path, metadata_engine: Engine
) -> None:
    entry_id = heap_entry(metadata_engine)
    analysis = await analyse(AnalyzeActivities(AiSettings(), metadata_engine),
                             excerpt_of(tmp_path, "java_oom.log"))  # fmt: skip
    assert analysis.degraded and analysis.knowledge == [f"KB-{entry_id}"]
    assert analysis.causes[0] == f"The report cache has no bound [KB-{entry_id}]"
    assert analysis.suggestions[0] == f"Set report.cache.max_entries [KB-{entry_id}]"
    assert_structure(analysis)
