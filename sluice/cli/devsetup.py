"""What `sluice dev` runs with: settings pointed at the embedded servers, and the tokens and
key it keeps in its state directory so they survive a restart."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import Session

from api.auth import create_token, find_token
from sluice.settings import Settings
from store.db import make_engine
from store.models import Role

SERVER_STOP_GRACE = 30.0  # SeaweedFS takes about 15 s to stop cleanly
CONFIG_AGENT_GRACE = 20.0  # ConfigAgent's default: an apply under way may finish
AGENT_TOKEN_FILE = "agent-token"
ALERT_TOKEN_FILE = "alert-token"
SECRET_KEY_FILE = "secret-key"  # encrypts channel secrets (notifications.secret_key)


def stored_token(database_url: str, path: Path, *, name: str, role: Role) -> str:
    """The token kept in `path` (mode 0600) if the DB still accepts it, else a new one."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            if path.exists():
                token = path.read_text().strip()
                row = find_token(session, token)
                if row is not None and row.role == role and row.name == name:
                    return token
            _row, token = create_token(  # revokes the lost token of that name
                session, name=name, role=role, actor="sluice-dev", replace=True
            )
    finally:
        engine.dispose()
    _write_private(path, token)
    return token


def stored_secret_key(path: Path) -> str:
    """The Fernet key kept in `path` (mode 0600), made on first use: channel secrets stay
    readable across restarts of the dev stack."""
    if path.exists():
        return path.read_text().strip()
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    _write_private(path, key)
    return key


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")
    path.chmod(0o600)


def dev_settings(base: Settings, inbox: Path) -> Settings:
    """Point every client at the embedded servers; state lives under `dev.state_dir`."""
    dev = base.dev
    state = dev.state_dir.resolve()
    updates: dict[str, object] = {
        "temporal": base.temporal.model_copy(
            update={
                "address": f"127.0.0.1:{dev.temporal_port}",
                "ui_url": f"http://127.0.0.1:{dev.temporal_ui_port}",
                "tls": False,
            }
        ),
        "storage": base.storage.model_copy(
            update={"endpoint_url": f"http://127.0.0.1:{dev.s3_port}", "path_style": True}
        ),
        "agent": base.agent.model_copy(
            update={"roots": [inbox.resolve()], "spool_path": state / "agent-spool.db"}
        ),
        "api": base.api.model_copy(
            update={"public_url": f"http://{base.api.host}:{base.api.port}"}
        ),
    }
    if "database_url" not in base.model_fields_set:
        updates["database_url"] = f"sqlite:///{state}/sluice.db"
    if base.notifications.secret_key is None:  # channels with secrets work out of the box
        key = SecretStr(stored_secret_key(state / SECRET_KEY_FILE))
        updates["notifications"] = base.notifications.model_copy(update={"secret_key": key})
    return base.model_copy(update=updates)


def stop_grace(settings: Settings) -> float:
    """How long a stop may take: the worker's and the agent's grace, then each server's."""
    servers = 2 * SERVER_STOP_GRACE
    if settings.dev.config_targets:  # Prometheus, Alertmanager and their agents' workers
        servers += 2 * 10.0 + CONFIG_AGENT_GRACE
    return settings.pipeline.shutdown_grace + settings.agent.shutdown_grace + servers


def sluice_command(argv0: str) -> str:
    """How a shell runs the `sluice` that is running: bare when PATH finds this one (an
    activated venv, a pip install), else its path: relative below this directory
    (`.venv/bin/sluice`), absolute elsewhere, so it runs from any directory's shell."""
    running = Path(argv0)
    if running.name != "sluice":  # `python -m sluice` or an embedding: the name is all we know
        return "sluice"
    found = shutil.which("sluice")
    if found and Path(found).resolve() == running.resolve():
        return "sluice"
    relative = os.path.relpath(running.resolve())
    return shlex.quote(str(running.resolve()) if relative.startswith("..") else relative)


def alert_receivers(public_url: str, token: str) -> str:
    """Where alert senders point at this stack, as config to paste: Alertmanager's
    `webhook_configs` receiver, and Prometheus's (vmalert's) notifier settings."""
    host = public_url.split("://", 1)[-1].rstrip("/")
    scheme = public_url.split("://", 1)[0] if "://" in public_url else "http"
    return (
        f"  Alertmanager webhook  {public_url}/api/v1/alerts/alertmanager\n"
        f"  Prometheus/vmalert    {public_url}/api/v2/alerts  (Sluice as their Alertmanager)\n"
        f"  alert token  {token}  (role alert-source)\n"
        "  alertmanager.yml receiver:\n"
        "    receivers:\n"
        "      - name: sluice\n"
        "        webhook_configs:\n"
        f"          - url: {public_url}/api/v1/alerts/alertmanager\n"
        "            send_resolved: true\n"
        "            http_config:\n"
        f"              authorization: {{credentials: {token}}}\n"
        "  prometheus.yml:\n"
        "    alerting:\n"
        "      alertmanagers:\n"
        f"        - scheme: {scheme}\n"
        f'          static_configs: [{{targets: ["{host}"]}}]\n'
        f"          authorization: {{credentials: {token}}}\n"
        f"  vmalert      -notifier.url={public_url} -notifier.bearerToken={token}\n"
    )
