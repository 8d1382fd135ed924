"""A Jenkins-protocol peer: crumb + session cookie, API-token basic auth, folders,
buildWithParameters/build → 201 + Location queue item → executable → build result, stop."""

from __future__ import annotations

import base64
import itertools
import secrets
from dataclasses import dataclass

from tests.peers.base import Answer, LoopbackServer, Request


@dataclass
class Build:
    job: str
    number: int
    params: dict[str, str]
    result: str
    polls_left: int
    stopped: bool = False

    @property
    def building(self) -> bool:
        return not self.stopped and self.polls_left > 0


@dataclass
class QueueItem:
    id: int
    job: str
    params: dict[str, str]
    polls_left: int
    build: Build | None = None
    cancelled: bool = False


@dataclass
class JobScript:
    """How the next builds of a job behave: their result, and how long they run (in polls)."""

    result: str = "SUCCESS"
    queue_polls: int = 1
    build_polls: int = 2


class JenkinsPeer(LoopbackServer):
    def __init__(self, user: str = "ci", token: str = "api-token", crumbs: bool = True) -> None:
        self.user, self.token, self.crumbs = user, token, crumbs
        self.jobs: dict[str, JobScript] = {}
        self.queue: dict[int, QueueItem] = {}
        self.builds: dict[tuple[str, int], Build] = {}
        self.crumb_for: dict[str, str] = {}  # session cookie -> crumb
        self._ids = itertools.count(100)
        self._numbers: dict[str, itertools.count[int]] = {}
        self.stops: list[tuple[str, int]] = []
        super().__init__()

    def script(self, job: str, **kwargs: object) -> None:
        self.jobs[job] = JobScript(**kwargs)  # type: ignore[arg-type]

    def handle(self, request: Request) -> Answer:
        if not self._authorised(request):
            return Answer(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="Jenkins"'})
        path = request.path
        if path == "/crumbIssuer/api/json":
            return self._issue_crumb(request)
        if request.method == "POST" and not self._crumb_ok(request):
            return Answer(403, "No valid crumb was included in the request")
        if path.startswith("/queue/item/") and path.endswith("/api/json"):
            return self._queue_item(int(path.split("/")[3]))
        if path == "/queue/cancelItem" and request.method == "POST":
            item = self.queue.get(int(request.query["id"]))
            if item is None:
                return Answer(404, "no such item")
            item.cancelled = True
            return Answer(302, "", {"Location": "/queue/"})
        job, rest = _split_job(path)
        if job is None:
            return Answer(404, "not found")
        if job not in self.jobs:
            return Answer(404, f"no job {job}")
        if request.method == "POST" and rest in ("/build", "/buildWithParameters"):
            return self._trigger(job, request.form() if rest.endswith("Parameters") else {})
        parts = rest.strip("/").split("/")
        if parts and parts[0].isdigit():
            build = self.builds.get((job, int(parts[0])))
            if build is None:
                return Answer(404, "no such build")
            if parts[1:] == ["stop"] and request.method == "POST":
                # Jenkins accepts a stop of a finished build and leaves its result as it is.
                build.stopped = build.stopped or build.building
                self.stops.append((job, build.number))
                return Answer(302, "", {"Location": f"/job/{job}/{build.number}/"})
            if parts[1:] == ["api", "json"]:
                return self._build_json(build)
        return Answer(404, "not found")

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"

    def _issue_crumb(self, request: Request) -> Answer:
        if not self.crumbs:
            return Answer(404, "no crumb issuer")
        session = _cookie(request) or secrets.token_hex(8)
        crumb = self.crumb_for.setdefault(session, secrets.token_hex(16))
        body = {"crumbRequestField": "Jenkins-Crumb", "crumb": crumb}
        return Answer(200, body, {"Set-Cookie": f"JSESSIONID={session}; Path=/"})

    def _crumb_ok(self, request: Request) -> bool:
        if not self.crumbs:
            return True
        session = _cookie(request)
        return bool(session) and request.headers.get("Jenkins-Crumb") == self.crumb_for.get(
            session or ""
        )

    def _trigger(self, job: str, params: dict[str, str]) -> Answer:
        item = QueueItem(next(self._ids), job, params, self.jobs[job].queue_polls)
        self.queue[item.id] = item
        return Answer(201, "", {"Location": f"{self.url}/queue/item/{item.id}/"})

    def _queue_item(self, item_id: int) -> Answer:
        item = self.queue.get(item_id)
        if item is None:
            return Answer(404, "no such item")
        body: dict[str, object] = {"id": item.id, "cancelled": item.cancelled}
        if item.cancelled:
            return Answer(200, body)
        if item.build is None and item.polls_left > 0:
            item.polls_left -= 1
            body["why"] = "Waiting for next available executor"
            return Answer(200, body)
        if item.build is None:
            script = self.jobs[item.job]
            number = next(self._numbers.setdefault(item.job, itertools.count(1)))
            item.build = Build(item.job, number, item.params, script.result, script.build_polls)
            self.builds[(item.job, number)] = item.build
        url = f"{self.url}{_job_url(item.job)}/{item.build.number}/"
        body["executable"] = {"number": item.build.number, "url": url}
        return Answer(200, body)

    def _build_json(self, build: Build) -> Answer:
        if build.stopped:
            return Answer(200, {"number": build.number, "building": False, "result": "ABORTED"})
        if build.polls_left > 0:
            build.polls_left -= 1
            return Answer(200, {"number": build.number, "building": True, "result": None})
        return Answer(200, {"number": build.number, "building": False, "result": build.result})

    @property
    def all_builds(self) -> list[Build]:
        return list(self.builds.values())


def _cookie(request: Request) -> str | None:
    for part in request.headers.get("Cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "JSESSIONID":
            return value
    return None


def _split_job(path: str) -> tuple[str | None, str]:
    """`/job/a/job/b/12/api/json` -> ("a/b", "/12/api/json")."""
    parts = path.split("/")[1:]
    names: list[str] = []
    while len(parts) >= 2 and parts[0] == "job":
        names.append(parts[1])
        parts = parts[2:]
    return ("/".join(names) if names else None), "/" + "/".join(parts)


def _job_url(job: str) -> str:
    return "".join(f"/job/{part}" for part in job.split("/"))
