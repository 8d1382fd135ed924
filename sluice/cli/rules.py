"""`sluice rules apply` and `sluice rules export`: rules as a Git-managed YAML file.

They talk to the control plane's API with a token, like any other client, so an apply is
validated, versioned and audited exactly as an edit in the console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sluice.cli.devstate import DEFAULT_API_URL, api_client_settings
from sluice.cli.rules_file import (
    UNCHANGED,
    RulesApi,
    RulesApiError,
    RulesFileError,
    export_yaml,
    load_rules_file,
    plan_changes,
)

rules_app = typer.Typer(no_args_is_help=True, help="Routing rules, through the control plane API.")
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long

ApiUrlOption = Annotated[
    str | None,
    typer.Option(
        "--api-url",
        envvar="SLUICE_API_URL",
        help=f"The control plane [default: the `sluice dev` run from here, else {DEFAULT_API_URL}]",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="SLUICE_API_TOKEN",
        help="An operator or admin API token [default: the `sluice dev` run from here's admin's]",
        show_default=False,
    ),
]


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


def _rules_api(api_url: str | None, token: str | None) -> RulesApi:
    try:
        return RulesApi(*api_client_settings(api_url, token))
    except ValueError as exc:
        raise fail(str(exc)) from None


@rules_app.command("apply")
def rules_apply(
    file: Annotated[Path, typer.Option("--file", "-f", help="A YAML list of rule documents.")],
    token: TokenOption = None,
    api_url: ApiUrlOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes only.")] = False,
) -> None:
    """Make each rule in the file live (matched by name): create, update, publish; show diffs."""
    try:
        documents = load_rules_file(file.read_text())
    except UnicodeDecodeError as exc:
        raise fail(f"{file}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, RulesFileError) as exc:
        raise fail(f"{file}: {exc}") from None
    api = _rules_api(api_url, token)
    try:
        rules = api.rules()
        changes = plan_changes(documents, rules, api.live_documents(rules))
        pending = [change for change in changes if change.action != UNCHANGED]
        for change in changes:
            typer.echo(change.describe())
            if change.diff:
                typer.echo(change.diff, nl=False)
        if not pending:
            typer.echo(f"no changes: all {len(changes)} rule(s) in {file} are live as written")
            return
        if dry_run:
            typer.echo(f"dry run: {len(pending)} rule(s) would change; nothing applied")
            return
        for change in pending:
            typer.echo(f'rule "{change.name}": v{api.apply(change)} is live')
    except RulesApiError as exc:
        raise fail(str(exc)) from None
    finally:
        api.close()
    typer.echo(f"applied: {len(pending)} rule(s) changed, {len(changes) - len(pending)} unchanged")


@rules_app.command("export")
def rules_export(token: TokenOption = None, api_url: ApiUrlOption = None) -> None:
    """Print the live rules as a rules file that `rules apply` takes back unchanged."""
    api = _rules_api(api_url, token)
    try:
        rules = api.rules()
        live = api.live_documents(rules)
    except RulesApiError as exc:
        raise fail(str(exc)) from None
    finally:
        api.close()
    unpublished = [rule["name"] for rule in rules if rule["id"] not in live]
    if unpublished:
        err.print(f"not exported (never published): {', '.join(unpublished)}", highlight=False)
    typer.echo(export_yaml(rules, live), nl=False)
