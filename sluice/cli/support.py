"""What every `sluice` subcommand shares: its error console, --config, settings, failing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sluice.logs import LogFormat
from sluice.runtime import setup_logging
from sluice.settings import Settings, SettingsError, load_settings

err = Console(stderr=True, soft_wrap=True)  # an error stays one line: its paths paste whole

LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format", help="text or json lines (default: the log_format setting).",
        show_default=False,
    ),
]  # fmt: skip
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="SLUICE_CONFIG", help="YAML settings file."),
]


def cli_settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        settings = load_settings(config, **overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    setup_logging()
    return settings


def use_log_format(option: LogFormat | None, settings: Settings, *more: str) -> LogFormat:
    """JSON lines if --log-format json, else if `log_format` (or one of `more`) says json."""
    json_asked = settings.log_format == LogFormat.json or LogFormat.json in more
    chosen = option or (LogFormat.json if json_asked else LogFormat.text)
    setup_logging(log_format=chosen)
    return chosen


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(1)
