"""Where a running `sluice dev` serves, so CLI commands beside it need no URL or token."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "dev.json"
ADMIN_TOKEN_FILE = "admin-token"
DEFAULT_STATE_DIR = Path(".sluice")
STATE_DIR_ENV = "SLUICE_DEV__STATE_DIR"
DEFAULT_API_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DevState:
    api_url: str
    database_url: str | None
    admin_token: str | None


def write_dev_state(state_dir: Path, api_url: str, database_url: str) -> None:
    """Record the API and DB URLs next to the admin token (mode 0600), for `find_dev_state`."""
    path = state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"api_url": api_url, "database_url": database_url}, out)
    tmp.replace(path)


def dev_state_dir() -> Path:
    """`sluice dev`'s state dir as run from here: $SLUICE_DEV__STATE_DIR or ./.sluice."""
    return Path(os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)


def find_dev_state(state_dir: Path | None = None) -> DevState | None:
    """The dev stack whose state dir is `state_dir` (default: `dev_state_dir()`), if any."""
    state_dir = state_dir or dev_state_dir()
    try:
        recorded = json.loads((state_dir / STATE_FILE).read_text())
        api_url = str(recorded["api_url"])
        database_url = recorded.get("database_url")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        token: str | None = (state_dir / ADMIN_TOKEN_FILE).read_text().strip() or None
    except OSError:
        token = None
    return DevState(api_url=api_url, database_url=database_url, admin_token=token)


def api_client_settings(api_url: str | None, token: str | None) -> tuple[str, str]:
    """The API URL and token a CLI command uses: as given, else the dev stack's run from here.

    ValueError says which variable to set when there is no token to use.
    """
    dev = find_dev_state()
    if dev is not None and api_url in (None, dev.api_url):  # its token goes to it alone
        api_url = dev.api_url
        token = token or dev.admin_token
    if not token:
        raise ValueError(
            "no API token: set SLUICE_API_TOKEN (or pass --token) to an operator or admin "
            "token, e.g. one from `sluice token create --role operator`; beside a running "
            f"`sluice dev` it is found in {dev_state_dir() / ADMIN_TOKEN_FILE} (set "
            f"{STATE_DIR_ENV} if it runs with another --state-dir)"
        )
    return api_url or DEFAULT_API_URL, token
