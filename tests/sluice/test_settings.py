"""load_settings: defaults, SLUICE_* env vars, a YAML file, and errors a person can act on."""

import os
from pathlib import Path

import pytest

from sluice.settings import MiB, Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SLUICE_* variables from the developer's shell, and a throwaway working directory."""
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sluice.yaml"
    path.write_text(text)
    return path


def _error(config_file: Path | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(config_file)
    return str(caught.value)


def test_defaults_are_a_working_local_setup() -> None:
    settings = load_settings()
    assert isinstance(settings, Settings)
    assert settings.database_url == "sqlite:///.sluice/sluice.db"
    assert settings.temporal.address == "127.0.0.1:7233"
    assert settings.storage.bucket == "sluice"
    assert settings.storage.part_size == 8 * MiB
    assert settings.storage.key_template == "{host}/{relpath}"
    assert ".part" in settings.agent.temp_suffixes
    assert settings.agent.roots == [Path("inbox")]
    assert settings.agent.host_queue == f"sluice-host-{settings.agent.id}"


def test_env_vars_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_STORAGE__BUCKET", "archive-bucket")
    monkeypatch.setenv("SLUICE_DATABASE_URL", "postgresql://sluice:pw@db:5432/sluice")
    monkeypatch.setenv("SLUICE_AGENT__ROOTS", '["/data/a", "/data/b"]')
    monkeypatch.setenv("SLUICE_AGENT__SILENCE", "2.5")

    settings = load_settings()
    assert settings.storage.bucket == "archive-bucket"
    assert settings.storage.region == "us-east-1"  # the rest of the section keeps its defaults
    assert settings.database_url == "postgresql://sluice:pw@db:5432/sluice"
    assert settings.agent.roots == [Path("/data/a"), Path("/data/b")]
    assert settings.agent.silence == 2.5


def test_yaml_file_values_load(tmp_path: Path) -> None:
    config = _yaml(
        tmp_path,
        """
database_url: sqlite:///var/sluice.db
temporal:
  address: temporal.internal:7233
  namespace: ops
storage:
  bucket: yaml-bucket
  part_size: 16777216
agent:
  roots: [/srv/inbox, /srv/drop]
  include_suffixes: [.csv]
""",
    )
    settings = load_settings(config)
    assert settings.database_url == "sqlite:///var/sluice.db"
    assert (settings.temporal.address, settings.temporal.namespace) == (
        "temporal.internal:7233",
        "ops",
    )
    assert settings.storage.bucket == "yaml-bucket"
    assert settings.storage.part_size == 16 * MiB
    assert settings.agent.roots == [Path("/srv/inbox"), Path("/srv/drop")]
    assert settings.agent.include_suffixes == [".csv"]


def test_env_beats_yaml_key_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _yaml(tmp_path, "storage:\n  bucket: yaml-bucket\n  region: eu-west-1\n")
    monkeypatch.setenv("SLUICE_STORAGE__BUCKET", "env-bucket")

    settings = load_settings(config)
    assert settings.storage.bucket == "env-bucket"
    assert settings.storage.region == "eu-west-1"  # not overridden, so the YAML value stays


def test_an_empty_yaml_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(_yaml(tmp_path, "")).storage.bucket == "sluice"


def test_an_invalid_env_value_names_the_dotted_key_and_the_env_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLUICE_STORAGE__PART_SIZE", "100")
    message = _error()
    assert "storage.part_size" in message
    assert "SLUICE_STORAGE__PART_SIZE" in message
    assert "5242880" in message  # says what would be acceptable


def test_every_invalid_key_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_STORAGE__ENDPOINT_URL", "seaweed:8333")
    monkeypatch.setenv("SLUICE_API__PORT", "70000")
    monkeypatch.setenv("SLUICE_DATABASE_URL", "mysql://x")
    message = _error()
    for key, env in [
        ("storage.endpoint_url", "SLUICE_STORAGE__ENDPOINT_URL"),
        ("api.port", "SLUICE_API__PORT"),
        ("database_url", "SLUICE_DATABASE_URL"),
    ]:
        assert key in message
        assert env in message
    assert "http://" in message


def test_an_invalid_yaml_value_names_the_key_the_env_var_and_the_file(tmp_path: Path) -> None:
    config = _yaml(tmp_path, "agent:\n  silence: 0\n")
    message = _error(config)
    assert "agent.silence" in message
    assert "SLUICE_AGENT__SILENCE" in message
    assert str(config) in message


def test_an_empty_roots_list_is_refused(tmp_path: Path) -> None:
    message = _error(_yaml(tmp_path, "agent:\n  roots: []\n"))
    assert "agent.roots" in message
    assert "at least one directory" in message


def test_an_unknown_top_level_yaml_key_is_refused_by_name(tmp_path: Path) -> None:
    message = _error(_yaml(tmp_path, "storag:\n  bucket: typo-bucket\n"))
    assert "storag" in message
    assert "unknown key" in message


def test_an_unknown_yaml_key_inside_a_section_is_refused_by_name(tmp_path: Path) -> None:
    # A typo like `part_sise` must not be silently ignored, leaving the default in force.
    message = _error(_yaml(tmp_path, "storage:\n  part_sise: 16777216\n"))
    assert "storage.part_sise" in message
    assert "unknown key" in message


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "sluice.yaml"
    message = _error(missing)
    assert str(missing) in message
    assert "does not exist" in message


def test_a_malformed_yaml_file_is_a_settings_error_naming_the_file(tmp_path: Path) -> None:
    config = _yaml(tmp_path, "storage: [\n")
    message = _error(config)
    assert str(config) in message


def test_a_list_env_var_that_is_not_json_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLUICE_AGENT__ROOTS", "/data/inbox")
    message = _error()
    assert "agent" in message


def test_overrides_beat_env_and_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _yaml(tmp_path, "storage:\n  bucket: yaml-bucket\n")
    monkeypatch.setenv("SLUICE_STORAGE__BUCKET", "env-bucket")
    settings = load_settings(config, storage={"bucket": "test-bucket"})
    assert settings.storage.bucket == "test-bucket"
