"""Manual triggers stay inside the roots; go-watch-file configs map onto Sluice settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sluice.manual import ManualTarget, PathRejected, manual_target
from sluice.settings import SettingsError
from watcher.service import load_agent_settings

ROOTS = ["/data/dumps", "/var/log/app/"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/data/dumps/heap.hprof", ManualTarget("/data/dumps", "heap.hprof")),
        ("/var/log/app/a/b.log", ManualTarget("/var/log/app", "a/b.log")),
        ("sub/x.log", ManualTarget("/data/dumps", "sub/x.log")),
        ("./sub//x.log", ManualTarget("/data/dumps", "sub/x.log")),
    ],
)
def test_paths_inside_the_roots_are_accepted(path: str, expected: ManualTarget) -> None:
    assert manual_target(ROOTS, path) == expected


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../etc/passwd", "contains '..'"),
        ("/data/dumps/../../etc/shadow", "contains '..'"),
        ("sub/../../x", "contains '..'"),
        ("/etc/passwd", "outside the agent's roots"),
        ("/data/dumpsX/heap.hprof", "outside the agent's roots"),  # a prefix is not a parent
        ("/data/dumps", "outside the agent's roots"),  # the root itself is not a file
        ("", "non-empty"),
    ],
)
def test_traversal_and_foreign_paths_are_rejected_with_a_reason(path: str, why: str) -> None:
    with pytest.raises(PathRejected, match=why):
        manual_target(ROOTS, path)


GO_WATCH_FILE = """
watch_dir: "{a},{b};"
watch_exclude: "cache, *.bak"
file_ext: "log,.hprof"
silence: 15s
upload_workers: 6
upload_queue_size: 200
upload_retry_max_attempts: 3
bucket: ops-files
ak: AKIA123
sk: secret
endpoint: oss-cn-hangzhou.aliyuncs.com
region: cn-hangzhou
force_path_style: false
disable_ssl: false
dingtalk_webhook: https://oapi.dingtalk.com/robot/send?access_token=x
email_host: smtp.example.com
email_port: 465
ai_model: qwen-plus
ai_timeout: 30s
mystery: 1
"""


def test_a_go_watch_file_config_is_mapped_with_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.yaml"
    config.write_text(GO_WATCH_FILE.format(a=tmp_path / "a", b=tmp_path / "b"))

    settings, warnings = load_agent_settings(config)

    agent = settings.agent
    assert agent.roots == [tmp_path / "a", tmp_path / "b"]
    assert agent.include_suffixes == [".log", ".hprof"]
    assert agent.exclude_dirs == ["cache"] and agent.exclude_globs == ["*.bak"]
    assert agent.silence == 15.0
    assert (agent.max_activities, agent.max_in_flight) == (6, 200)
    storage = settings.storage
    assert storage.bucket == "ops-files" and storage.region == "cn-hangzhou"
    assert storage.endpoint_url == "https://oss-cn-hangzhou.aliyuncs.com"
    assert storage.access_key is not None and storage.access_key.get_secret_value() == "AKIA123"
    assert storage.path_style is False
    assert settings.notifications.smtp_host == "smtp.example.com"
    assert settings.ai.model == "qwen-plus" and settings.ai.timeout == 30.0
    joined = "\n".join(warnings)
    assert "go-watch-file config" in warnings[0]
    assert "`upload_retry_max_attempts` ignored" in joined
    assert "`dingtalk_webhook` ignored" in joined
    assert "unknown go-watch-file key `mystery`" in joined


def test_env_still_overrides_a_go_watch_file_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("watch_dir: /srv/in\nsilence: 10\n")
    monkeypatch.setenv("SLUICE_AGENT__SILENCE", "2")
    settings, _ = load_agent_settings(config)
    assert settings.agent.silence == 2.0
    assert settings.agent.roots == [Path("/srv/in")]


def test_a_bad_go_watch_file_value_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("watch_dir: /srv/in\nsilence: soon\n")
    with pytest.raises(SettingsError, match=r"config\.yaml"):
        load_agent_settings(config)
