"""The `jenkins` step: trigger a job (crumb + API token), follow queue item and build, stop it."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ContextValues
from activities.http import response_failure, transport_failure
from sluice.actions import BuildRef, JenkinsRequest, JenkinsResult
from sluice.parameter_templates import render_template
from sluice.settings import JenkinsServer, JenkinsSettings

OK_RESULTS = {"SUCCESS"}


def job_path(job: str) -> str:
    """`folder/sub/name` -> `/job/folder/job/sub/job/name`."""
    return "".join(f"/job/{quote(part, safe='')}" for part in job.strip("/").split("/"))


def build_ref_from(value: Any) -> BuildRef | None:
    """A BuildRef from heartbeat details (a dataclass or its dict): a build that may still be
    running. A finished build's failure carries `build_summary` instead, which is not one."""
    if isinstance(value, BuildRef):
        return value
    if isinstance(value, dict) and "job" in value and "server" in value:
        return BuildRef(**{k: value[k] for k in BuildRef.__dataclass_fields__ if k in value})
    return None


def build_summary(build: BuildRef, result: str) -> dict[str, str]:
    """What a jenkins step records, whatever its outcome: `job build url result`."""
    return {
        "job": build.job,
        "build": str(build.number or ""),
        "url": build.url or build.queue_url,
        "result": result,
    }


class JenkinsActivities:
    def __init__(self, settings: JenkinsSettings, context: ContextValues | None) -> None:
        self._settings = settings
        self._context = context

    @activity.defn(name="jenkins_build")
    async def run_build(self, req: JenkinsRequest) -> JenkinsResult:
        """Trigger (or resume following) a build; with `wait`, follow it to its result."""
        server = self._server(req.server)
        started = time.monotonic()
        build = req.resume
        async with self._client(server) as http:
            try:
                if build is None:
                    build = await self._trigger(http, server, req)
                activity.heartbeat(build)
                if not req.wait:
                    return JenkinsResult(build, "")
                build = await self._follow_queue(http, build, req.poll_interval_s)
                result = await self._follow_build(http, server, build, req.poll_interval_s)
            except asyncio.CancelledError:
                # A timeout leaves the build: the next attempt resumes following it, and the
                # workflow stops it from the heartbeat if the step gives up.
                details = activity.cancellation_details()
                if build is None or details is None or not details.cancel_requested:
                    raise
                # The task was cancelled: stop the build here. A cancelled activity carries
                # no details back, so the build goes back as a failure of type "cancelled",
                # which the workflow records on the cancelled step and cancels on with.
                outcome = await asyncio.shield(self._stop(http, server, build))
                raise ApplicationError(
                    f"cancelled; {outcome}: build {build.url or build.queue_url or build.job}",
                    build_summary(build, "ABORTED" if outcome == "stopped" else outcome),
                    type="cancelled",
                    non_retryable=True,
                ) from None
            except httpx.HTTPError as exc:
                raise transport_failure(f"jenkins {server.url}", exc) from exc
        elapsed = int((time.monotonic() - started) * 1000)
        if result in OK_RESULTS or (result == "UNSTABLE" and req.unstable_ok):
            return JenkinsResult(build, result, elapsed)
        # The build has finished: nothing to stop, so its details are a summary, not a BuildRef.
        raise ApplicationError(
            f"jenkins build {build.url or build.job} finished {result}",
            build_summary(build, result),
            type="action_failed",
            non_retryable=True,
        )

    @activity.defn(name="jenkins_stop")
    async def stop_build(self, ref: BuildRef) -> str:
        """Stop a build still running (or cancel its queue item): "stopped", "dequeued", or
        "finished <RESULT>" for a build that had ended, which is left as it is."""
        server = self._server(ref.server)
        async with self._client(server) as http:
            try:
                return await self._stop(http, server, ref)
            except httpx.HTTPError as exc:
                raise transport_failure(f"jenkins {server.url}", exc) from exc

    def _server(self, name: str) -> JenkinsServer:
        server = self._settings.servers.get(name)
        if server is None:
            known = ", ".join(self._settings.servers) or "none configured"
            raise ApplicationError(
                f"unknown jenkins server {name!r} ({known}; see jenkins.servers)",
                type="invalid_input",
                non_retryable=True,
            )
        return server

    def _client(self, server: JenkinsServer) -> httpx.AsyncClient:
        auth = None
        if server.user:
            token = server.api_token.get_secret_value() if server.api_token else ""
            auth = httpx.BasicAuth(server.user, token)
        return httpx.AsyncClient(
            auth=auth, verify=server.verify_tls, timeout=self._settings.request_timeout
        )

    async def _crumb(self, http: httpx.AsyncClient, server: JenkinsServer) -> dict[str, str]:
        """The CSRF crumb header; none if the server has no crumb issuer (404)."""
        response = await http.get(f"{server.url}/crumbIssuer/api/json")
        if response.status_code == 404:
            return {}
        if response.is_error:
            raise response_failure("jenkins crumb issuer", response)
        data = response.json()
        return {str(data["crumbRequestField"]): str(data["crumb"])}

    async def _trigger(
        self, http: httpx.AsyncClient, server: JenkinsServer, req: JenkinsRequest
    ) -> BuildRef:
        params = await self._params(req)
        action = "buildWithParameters" if params else "build"
        url = f"{server.url}{job_path(req.job)}/{action}"
        headers = await self._crumb(http, server)
        response = await http.post(url, data=params, headers=headers)
        if response.is_error:
            raise response_failure(f"jenkins {req.job}/{action}", response)
        location = response.headers.get("Location", "")
        if "/queue/item/" not in location:
            raise ApplicationError(
                f"jenkins {req.job}/{action} answered {response.status_code} without a queue "
                "item Location",
                type="unknown",
                non_retryable=True,
            )
        queue_url = str(httpx.URL(server.url + "/").join(location))
        return BuildRef(req.server, req.job, queue_url=queue_url.rstrip("/") + "/")

    async def _params(self, req: JenkinsRequest) -> dict[str, str]:
        if not req.params:
            return {}
        values = req.context.values()
        if self._context is not None:
            values = await asyncio.to_thread(
                self._context.values, req.context, req.params, req.presign_expiry_s
            )
        try:
            return {name: render_template(text, values) for name, text in req.params.items()}
        except (KeyError, IndexError, ValueError) as exc:
            raise ApplicationError(
                f"jenkins params: {exc}", type="invalid_input", non_retryable=True
            ) from exc

    async def _follow_queue(
        self, http: httpx.AsyncClient, build: BuildRef, interval: float
    ) -> BuildRef:
        while not build.number:
            response = await http.get(f"{build.queue_url}api/json")
            if response.is_error:
                raise response_failure("jenkins queue item", response)
            item = response.json()
            if item.get("cancelled"):
                raise ApplicationError(
                    f"jenkins queue item {build.queue_url} was cancelled",
                    type="action_failed",
                    non_retryable=True,
                )
            executable = item.get("executable") or {}
            if executable.get("number"):
                build.number = int(executable["number"])
                build.url = str(executable.get("url") or "")
                activity.heartbeat(build)
                break
            activity.heartbeat(build)
            await asyncio.sleep(interval)
        return build

    async def _follow_build(
        self, http: httpx.AsyncClient, server: JenkinsServer, build: BuildRef, interval: float
    ) -> str:
        url = f"{server.url}{job_path(build.job)}/{build.number}/api/json"
        while True:
            response = await http.get(url)
            if response.is_error:
                raise response_failure(f"jenkins build {build.job}#{build.number}", response)
            data = response.json()
            if not data.get("building") and data.get("result"):
                return str(data["result"])
            activity.heartbeat(build)
            await asyncio.sleep(interval)

    async def _stop(self, http: httpx.AsyncClient, server: JenkinsServer, ref: BuildRef) -> str:
        if not ref.number and ref.queue_url:
            response = await http.get(f"{ref.queue_url}api/json")
            if response.status_code == 404:
                return "gone"
            item = response.json() if response.is_success else {}
            executable = item.get("executable") or {}
            if not executable.get("number"):
                queue_id = urlsplit(ref.queue_url).path.rstrip("/").rsplit("/", 1)[-1]
                headers = await self._crumb(http, server)
                answer = await http.post(
                    f"{server.url}/queue/cancelItem", params={"id": queue_id}, headers=headers
                )
                if answer.is_error and answer.status_code != 404:
                    raise response_failure("jenkins queue cancel", answer)
                return "dequeued"
            ref.number = int(executable["number"])
        if not ref.number:
            return "nothing to stop"
        build = f"{server.url}{job_path(ref.job)}/{ref.number}"
        state = await http.get(f"{build}/api/json")
        if state.status_code == 404:
            return "gone"
        if state.is_error:
            raise response_failure(f"jenkins build {ref.job}#{ref.number}", state)
        data = state.json()
        if not data.get("building"):
            return f"finished {data.get('result') or 'without a result'}"
        headers = await self._crumb(http, server)
        response = await http.post(f"{build}/stop", headers=headers)
        if response.is_error and response.status_code != 404:
            raise response_failure(f"jenkins stop {ref.job}#{ref.number}", response)
        return "stopped"
