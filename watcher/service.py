"""Run `sluice agent` as a process: load its config (Sluice or go-watch-file), stop on signals."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import tempfile
import threading
from pathlib import Path

import yaml

from sluice.gowatchfile import looks_like_go_watch_file, map_go_watch_file
from sluice.settings import Settings, SettingsError, load_settings

log = logging.getLogger("sluice.agent")


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
    except ValueError as exc:
        raise SettingsError(f"go-watch-file config {config}: {exc}") from None
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
        yaml.safe_dump(mapped, tmp)
    try:
        settings = load_settings(Path(tmp.name))
    except SettingsError as exc:
        raise SettingsError(str(exc).replace(tmp.name, f"{config} (go-watch-file)")) from None
    finally:
        os.unlink(tmp.name)
    return settings, [f"{config} is a go-watch-file config, mapped to Sluice settings", *warnings]


async def run_until_stopped(agent_main: asyncio.Future[None], grace: float) -> None:
    """Await the agent; SIGTERM/SIGINT cancel it.

    The process then ends within `grace` + 15 s, even if an activity thread never returns.
    """
    loop = asyncio.get_running_loop()

    def stop() -> None:
        log.info("stopping: no new work; running activities get %.0fs to finish", grace)
        agent_main.cancel()
        timer = threading.Timer(grace + 15, _hard_exit)
        timer.daemon = True
        timer.start()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await agent_main
    except asyncio.CancelledError:
        log.info("stopped")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _hard_exit() -> None:
    log.error("activities did not stop in time; exiting anyway (they resume from heartbeats)")
    logging.shutdown()
    os._exit(3)
