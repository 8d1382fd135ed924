"""Load `sluice agent`'s config: Sluice settings or a go-watch-file config mapped to them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from sluice.gowatchfile import looks_like_go_watch_file, map_go_watch_file
from sluice.gowatchfile_alerts import map_alert_module
from sluice.settings import Settings, SettingsError, load_settings


def load_agent_settings(config: Path | None) -> tuple[Settings, list[str]]:
    """Settings from a Sluice YAML file or a go-watch-file `config.yaml` (mapped), plus warnings.

    A mapped go-watch-file config goes through the same YAML source as a Sluice file, so
    SLUICE_* environment variables still override it.
    """
    if config is None or not config.is_file():
        return load_settings(config), []
    try:
        data = yaml.safe_load(config.read_text())
    except (OSError, yaml.YAMLError):
        return load_settings(config), []  # load_settings names the problem
    if not isinstance(data, dict) or not looks_like_go_watch_file(data):
        return load_settings(config), []
    try:
        mapped, warnings = map_go_watch_file(data)
        log_alerts, alert_warnings = map_alert_module(data, config.parent)
    except ValueError as exc:
        raise SettingsError(f"go-watch-file config {config}: {exc}") from None
    if log_alerts is not None:
        mapped.setdefault("agent", {})["log_alerts"] = log_alerts
        warnings += alert_warnings
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
        yaml.safe_dump(mapped, tmp)
    try:
        settings = load_settings(Path(tmp.name))
    except SettingsError as exc:
        raise SettingsError(str(exc).replace(tmp.name, f"{config} (go-watch-file)")) from None
    finally:
        os.unlink(tmp.name)
    return settings, [f"{config} is a go-watch-file config, mapped to Sluice settings", *warnings]
