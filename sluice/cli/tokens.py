"""`sluice token create|list|revoke`: API tokens, straight in the metadata database."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sluice.cli.support import ConfigOption, cli_settings, err, fail

if TYPE_CHECKING:
    from sqlmodel import Session

token_app = typer.Typer(no_args_is_help=True, help="API tokens (bearer, with a role).")


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextlib.contextmanager
def _token_session(config: Path | None) -> Iterator[Session]:
    """A session on the migrated metadata DB; migrations run quietly (stdout is the result)."""
    from sqlmodel import Session

    from sluice.cli.devstate import find_dev_state
    from store.db import make_engine, migrate

    settings = cli_settings(config)
    url = settings.database_url
    dev = find_dev_state()
    if "database_url" not in settings.model_fields_set and dev and dev.database_url:
        url = dev.database_url  # beside `sluice dev`: its database
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrate(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="admin, operator, viewer, agent or alert-source.")
    ] = "viewer",
    name: Annotated[
        str | None,
        typer.Option(
            help="Who uses it [default: <role>-<6 hex digits>]; an agent token is named after "
            "its agent id.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Create a token and print it once on stdout (only its hash is stored)."""
    import secrets

    from api.auth import TokenConflict, create_token
    from store.models import Role

    try:
        chosen = Role(role)
    except ValueError:
        raise fail(f"unknown role {role!r}; choose one of {', '.join(Role)}") from None
    if name is None:
        if chosen == Role.agent:
            raise fail("an agent token is named after its agent: pass --name <agent id>")
        if chosen == Role.config_agent:
            raise fail("a config-agent token is named after its target: pass --name <target>")
        name = f"{chosen}-{secrets.token_hex(3)}"
    try:
        with _token_session(config) as session:
            row, token = create_token(session, name=name, role=chosen, actor=_cli_actor())
    except TokenConflict as exc:
        raise fail(str(exc)) from None
    err.print(f"token {row.id} ({name}, {chosen}) created; it is shown only this once:")
    typer.echo(token)


@token_app.command("list")
def token_list(config: ConfigOption = None) -> None:
    """List tokens: id, name, role, created, last used, revoked."""
    from api.auth import list_tokens

    with _token_session(config) as session:
        rows = list_tokens(session)
    typer.echo("id\tname\trole\tcreated\tlast_used\trevoked")
    for row in rows:
        used = row.last_used_at.isoformat() if row.last_used_at else "-"
        revoked = row.revoked_at.isoformat() if row.revoked_at else "-"
        typer.echo(
            f"{row.id}\t{row.name}\t{row.role}\t{row.created_at.isoformat()}\t{used}\t{revoked}"
        )


@token_app.command("revoke")
def token_revoke(token_id: int, config: ConfigOption = None) -> None:
    """Revoke a token by id; it answers 401 from then on."""
    from api.auth import TokenConflict, revoke_token

    try:
        with _token_session(config) as session:
            row = revoke_token(session, token_id=token_id, actor=_cli_actor())
            if row is None:
                raise fail(f"no token with id {token_id}")
            typer.echo(f"token {token_id} ({row.name}) revoked")
    except TokenConflict as exc:
        raise fail(str(exc)) from None
