"""`host_resources` and the guarded `terminate_process`, on an agent's host queue.

Terminating is refused unless the host's own config enables it, and then for pid 1, the
agent and its ancestors, and any process whose name and owner are both outside the
allow-lists. The caller names the process it means (`confirm_name`); a pid that has since
become another process is refused rather than signalled.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any, Protocol

import psutil
from temporalio import activity
from temporalio.exceptions import ApplicationError

from sluice.host_resources import HostResources, Terminated
from sluice.settings.resources import TerminateSettings

POLL = 0.1


class ResourceSource(Protocol):
    def view(self) -> HostResources: ...

    def terminate_settings(self) -> TerminateSettings: ...


class ResourceActivities:
    def __init__(self, source: ResourceSource) -> None:
        self._source = source

    @activity.defn(name="host_resources")
    async def host_resources(self, arg: dict[str, Any]) -> dict[str, Any]:
        """The latest sample and the history (no arguments)."""
        return self._source.view().model_dump()

    @activity.defn(name="terminate_process")
    async def terminate_process(self, arg: dict[str, Any]) -> dict[str, Any]:
        """`{"pid": int, "confirm_name": str}` → what was sent and whether it exited."""
        policy = self._source.terminate_settings()
        pid, confirm = int(arg.get("pid", 0)), str(arg.get("confirm_name", ""))
        proc, name, user = _target(policy, pid, confirm)
        started = time.monotonic()
        sent = _signal(proc, signal.SIGTERM)
        exited = await _exited(proc, policy.grace)
        if not exited and policy.kill_after_grace:
            sent = _signal(proc, signal.SIGKILL)
            exited = await _exited(proc, 2.0)
        activity.logger.warning("terminated pid %d (%s, %s) with %s", pid, name, user, sent)
        waited = round(time.monotonic() - started, 3)
        result = Terminated(pid=pid, name=name, user=user, signal=sent, exited=exited,
                            waited_s=waited)  # fmt: skip
        return result.model_dump()


def _target(policy: TerminateSettings, pid: int, confirm: str) -> tuple[psutil.Process, str, str]:
    """The process to signal, or the ApplicationError saying why not."""
    if not policy.enabled:
        raise _refused("terminate_disabled", "terminating processes is disabled on this agent")
    if pid <= 1:
        raise _refused("protected", f"pid {pid} is never terminated")
    own = psutil.Process(os.getpid())
    if pid == own.pid or pid in {p.pid for p in own.parents()}:
        raise _refused("protected", f"pid {pid} is the agent or one of its parents")
    try:
        proc = psutil.Process(pid)
        name, user = proc.name(), proc.username()
    except psutil.NoSuchProcess:
        raise _refused("no_such_process", f"no process {pid}") from None
    except psutil.AccessDenied:
        raise _refused("access_denied", f"the agent may not inspect pid {pid}") from None
    if confirm != name:
        raise _refused("name_mismatch", f"pid {pid} is {name!r}, not {confirm!r}")
    if name not in policy.allow_names and user not in policy.allow_users:
        raise _refused("not_allowed", f"{name!r} of {user!r} is not in the allow-lists")
    return proc, name, user


def _signal(proc: psutil.Process, sig: signal.Signals) -> str:
    try:
        proc.send_signal(sig)
    except psutil.NoSuchProcess:
        pass  # gone on its own meanwhile: the answer says it exited
    except psutil.AccessDenied:
        raise _refused("access_denied", f"the agent may not signal pid {proc.pid}") from None
    return sig.name


async def _exited(proc: psutil.Process, within: float) -> bool:
    """Gone, or a zombie its parent has yet to reap, within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL)


def _refused(kind: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)
