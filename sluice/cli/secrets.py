"""`sluice secrets rotate`: seal every stored secret again under the current key."""

from __future__ import annotations

from typing import Annotated

import typer

from sluice.cli.support import ConfigOption, cli_settings, err, fail

secrets_app = typer.Typer(
    no_args_is_help=True,
    help="Secrets sealed in the metadata DB (channels, Alertmanager receivers).",
)


@secrets_app.command("rotate")
def secrets_rotate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be sealed again; write nothing.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Seal every secret again under notifications.secret_key, in one transaction.

    Secrets sealed under a key listed in notifications.previous_secret_keys open with it
    until then; afterwards that list can be emptied. A secret no key opens stops the command
    before anything is written, and is named."""
    from sluice.secretbox import SecretBox
    from store.db import make_engine
    from store.secrets import Unreadable, count_sealed, reseal_all

    settings = cli_settings(config)
    box = SecretBox.of(settings.notifications)
    if not box.ready:
        raise fail(
            "set notifications.secret_key (env SLUICE_NOTIFICATIONS__SECRET_KEY) to the new key "
            "and list the old one in notifications.previous_secret_keys "
            """(env SLUICE_NOTIFICATIONS__PREVIOUS_SECRET_KEYS='["<old key>"]')"""
        )
    engine = make_engine(settings.database_url)
    try:
        counts = count_sealed(engine, box) if dry_run else reseal_all(engine, box)
    except Unreadable as exc:
        raise fail(
            f"{exc}. Nothing was changed: list the key they were sealed with in "
            "notifications.previous_secret_keys, or delete and enter those secrets again."
        ) from None
    finally:
        engine.dispose()
    for count in counts:
        err.print(
            f"{count.what}: {count.current + count.previous} sealed, "
            f"{count.previous} of them under a previous key",
            highlight=False,
        )
    total = sum(count.current + count.previous for count in counts)
    old = sum(count.previous for count in counts)
    if dry_run:
        typer.echo(f"would seal {total} secrets again; {old} open only with a previous key")
    else:
        typer.echo(
            f"sealed {total} secrets again under notifications.secret_key; "
            "notifications.previous_secret_keys can now be emptied"
        )
