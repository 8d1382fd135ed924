"""`sluice agent` as an unprivileged user: unreadable directories are named, not silently missed.

The tests run as root, which reads every directory, so the agent runs as `nobody` through
`setpriv`; its directories live in a 0755 directory of their own (pytest's tmp_path is 0700).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from sluice.cli.servers import free_port
from tests.e2e.agent_support import eventually
from watcher.spool import spool_states

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run the agent as nobody",
)

AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory that `nobody` can enter; its contents are whatever the test makes them."""
    path = Path(tempfile.mkdtemp(prefix="sluice-perm-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _locked_dir(path: Path) -> Path:
    """A directory with a file in it that only root can read."""
    path.mkdir(parents=True)
    (path / "secret.log").write_text("root only")
    path.chmod(0o700)
    return path


def _config(shared: Path, root: Path, **agent: object) -> Path:
    state = shared / "state"
    state.mkdir(exist_ok=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(state, nobody.pw_uid, nobody.pw_gid)
    config = shared / "sluice.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "agent": {
                    "id": f"agent-{uuid.uuid4().hex[:8]}",
                    "roots": [str(root)],
                    "spool_path": str(state / "spool.db"),
                    "silence": 0.3,
                    "scan_interval": 3600,
                    **agent,
                }
            }
        )
    )
    return config


def _agent_argv(config: Path) -> list[str]:
    return [*AS_NOBODY, sys.executable, "-m", "sluice.cli", "agent", "--config", str(config)]


def _start(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}, **extra}


def test_an_unreadable_directory_stops_start_up_and_is_named(shared: Path) -> None:
    root = shared / "inbox"
    (root / "team" / "open").mkdir(parents=True)
    locked = _locked_dir(root / "team" / "locked")
    config = _config(shared, root, metrics_port=None)

    done = subprocess.run(
        _agent_argv(config), cwd=shared, env=_env(), capture_output=True, text=True, timeout=120
    )

    said = " ".join((done.stdout + done.stderr).split())  # rich wraps long lines
    assert done.returncode == 1, said
    assert f"cannot read 1 directory under the roots: {locked};" in said
    assert "grant this user read and execute permission, or add them to agent.exclude_dirs" in said


def test_an_excluded_unreadable_directory_is_no_obstacle(shared: Path) -> None:
    root = shared / "inbox"
    (root / "open").mkdir(parents=True)
    _locked_dir(root / "open" / "locked")
    _locked_dir(root / ".cache")  # hidden directories are excluded unless include_hidden
    check = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sluice.settings import load_settings\n"
        "from watcher.filters import FileFilter\n"
        "from watcher.watching import AgentConfigError, check_watchable\n"
        "cfg = load_settings(agent={'roots': [sys.argv[1]], 'exclude_dirs': sys.argv[2:]}).agent\n"
        "try:\n"
        "    print(check_watchable(cfg.roots, file_filter=FileFilter.from_settings(cfg)))\n"
        "except AgentConfigError as exc:\n"
        "    print(exc)\n"
    )

    def as_nobody(*exclude: str) -> str:
        argv = [*AS_NOBODY, sys.executable, "-c", check, str(root), *exclude]
        done = subprocess.run(argv, cwd=shared, env=_env(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    refused = as_nobody()
    assert f"{root}/open/locked" in refused and ".cache" not in refused
    assert as_nobody("open/locked") == "2"  # the root and open/ are watched


@pytest.mark.timeout(120)
async def test_a_directory_that_turns_up_unreadable_is_named_and_watching_goes_on(
    shared: Path, temporal_address: str
) -> None:
    root = shared / "inbox"
    root.mkdir()
    port = free_port()
    config = _config(shared, root, metrics_port=port)
    spool = shared / "state" / "spool.db"
    log = shared / "agent.log"
    env = _env(
        SLUICE_TEMPORAL__ADDRESS=temporal_address,
        SLUICE_TEMPORAL__TASK_QUEUE=f"q-{uuid.uuid4().hex[:8]}",
    )
    proc = _start(_agent_argv(config), shared, env, log)
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}")
    try:

        async def healthy() -> bool:
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(healthy, 60, "agent watching")
        # Made elsewhere and moved in whole, so it is unreadable from its first event.
        os.rename(_locked_dir(shared / "staging" / "locked"), root / "locked")
        (root / "proof.log").write_text("written after the locked directory")

        named = f"cannot read directory {root / 'locked'}: files in it are not shipped"
        await eventually(lambda: named in log.read_text(), 30, "unreadable directory named")
        await eventually(lambda: sum(spool_states(spool).values()) == 1, 30, "proof.log spooled")
        assert await healthy()  # still watching
        metrics = (await http.get("/metrics")).text
        assert 'sluice_agent_errors_total{error_class="unreadable_dir"} 1.0' in metrics
    finally:
        await http.aclose()
        proc.terminate()
        proc.wait(timeout=60)
