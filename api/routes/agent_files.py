"""An agent's files, as its host sees them: browse the roots, tail, search, upload, analyse.

Every look goes through the agent's host queue (HostQueryWorkflow), so the API needs no
network access to the hosts; the agent checks roots, symlinks and its filters again."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from api.auth import read_write
from api.deps import EngineDep, SettingsDep, TemporalDep, read_in_session
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.models import TriggerPublic
from api.models.host_files import (
    FileAnalysisPublic,
    HostDirPage,
    HostFileEntry,
    HostLines,
    HostPath,
    HostSearch,
)
from api.routes.task_actions import temporal_reachable, trigger_public
from api.services import manual_trigger
from api.services.host_files import Located, PathRefused, locate, shipped
from api.services.host_queries import HostQueryFailed, ask_agent
from sluice.actions import Analysis
from sluice.contracts.host_files import (
    FILE_ANALYSIS_PREFIX,
    FILE_ANALYSIS_WORKFLOW,
    LIST_DIR,
    LIST_MAX_LIMIT,
    SEARCH_FILE,
    SEARCH_MAX_MATCHES,
    SEARCH_MAX_QUERY,
    TAIL_FILE,
    TAIL_MAX_LINES,
    FileAnalysisInput,
)
from sluice.manual import EXISTING, STARTED, ManualTarget
from store.models import Agent, Role

router = APIRouter(
    prefix="/agents",
    tags=["agent files"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)

PICKUP_S = 5.0  # an agent that does not take a look within this is offline (503)
ANSWER_S = 20.0
HOST_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "over a size limit"},
    422: {"model": ErrorBody, "description": "a path outside the roots, binary, bad pattern"},
    503: {"model": ErrorBody, "description": "`agent_offline`: the agent did not answer"},
    504: {"model": ErrorBody, "description": "the agent took too long"},
}
_STATUS = {
    "agent_offline": (503, "agent_offline"),
    "no_worker": (503, "no_worker"),
    "timeout": (504, "timeout"),
    "invalid_input": (422, "invalid_path"),
    "not_found": (404, "not_found"),
    "binary_file": (422, "binary_file"),
    "invalid_pattern": (422, "invalid_pattern"),
    "auth": (422, "permission_denied"),
}

PathQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=4096,
        description="Absolute and inside one of the agent's roots, or relative to its first "
        "root; `..` is refused.",
    ),
]


def host_error(error_class: str, message: str) -> ApiError:
    status, code = _STATUS.get(error_class, (502, "agent_error"))
    return ApiError(status, code, message)


async def agent_of(engine: EngineDep, agent_id: str) -> Agent:
    """The agent, read in a worker thread: these routes wait on the agent (or stream), so they
    neither block the event loop on the DB nor hold a connection while they wait."""
    agent = await read_in_session(engine, lambda session: session.get(Agent, agent_id))
    if agent is None:
        raise not_found("agent", agent_id)
    return agent


def located(agent: Agent, path: str) -> Located:
    try:
        return locate(agent.roots, path)
    except PathRefused as exc:
        raise ApiError(422, "invalid_path", str(exc)) from None


async def ask(
    temporal: TemporalDep, settings: SettingsDep, agent_id: str, activity: str, arg: dict[str, Any]
) -> dict[str, Any]:
    """The agent's answer, or the HTTP error that says why there is none."""
    try:
        with temporal_reachable():
            return await ask_agent(
                temporal, settings.temporal.task_queue, agent_id, activity, arg,
                pickup_s=PICKUP_S, answer_s=ANSWER_S,
            )  # fmt: skip
    except HostQueryFailed as exc:
        raise host_error(exc.error_class, str(exc)) from None


@router.get("/{agent_id}/files", response_model=HostDirPage, responses=HOST_RESPONSES)
async def list_files(
    agent_id: str,
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    path: Annotated[str, Query(max_length=4096, description="A directory; empty: the roots.")] = "",
    cursor: Annotated[str, Query(max_length=8192)] = "",
    limit: Annotated[int, Query(ge=1, le=LIST_MAX_LIMIT)] = 200,
) -> HostDirPage:
    """One page of a directory on the agent (directories first), with what Sluice shipped."""
    agent = await agent_of(engine, agent_id)
    if not path:
        roots = [HostFileEntry(name=root, path=root, type="dir") for root in agent.roots]
        return HostDirPage(agent_id=agent_id, path="", root="", entries=roots)
    where = located(agent, path)
    arg = {"root": where.root, "rel_path": where.rel_path, "cursor": cursor, "limit": limit}
    page = await ask(temporal, settings, agent_id, LIST_DIR, arg)
    rel_dir = page["rel_path"]
    names = [e["name"] for e in page["entries"] if e["type"] == "file"]
    rel_paths = [f"{rel_dir}/{name}" if rel_dir else name for name in names]
    known = await read_in_session(
        engine,
        lambda session: shipped(session, agent_id=agent_id, root=page["root"], rel_paths=rel_paths),
    )
    entries = []
    for entry in page["entries"]:
        rel = f"{rel_dir}/{entry['name']}" if rel_dir else entry["name"]
        task = known.get(rel) if entry["type"] == "file" else None
        entries.append(
            HostFileEntry(
                **entry,
                path=Located(where.root, rel).path,
                shipped=task is not None,
                task_id=task.task_id if task else None,
                task_status=task.task_status if task else None,
            )
        )
    return HostDirPage(
        agent_id=agent_id, path=where.path, root=where.root, entries=entries,
        next_cursor=page["next_cursor"] or None, cut=page["cut"],
    )  # fmt: skip


@router.get("/{agent_id}/files/tail", response_model=HostLines, responses=HOST_RESPONSES)
async def tail_file(
    agent_id: str,
    path: PathQuery,
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    lines: Annotated[int, Query(ge=1, le=TAIL_MAX_LINES)] = 200,
) -> HostLines:
    """The last lines of a text file (masked; long lines cut; binary files refused)."""
    where = located(await agent_of(engine, agent_id), path)
    arg = {"root": where.root, "rel_path": where.rel_path, "lines": lines}
    got = await ask(temporal, settings, agent_id, TAIL_FILE, arg)
    return HostLines(
        agent_id=agent_id, path=where.path, lines=got["lines"], offset=got["offset"],
        inode=got["inode"], size=got["size"], cut_lines=got["cut_lines"], partial=got["partial"],
    )  # fmt: skip


@router.get("/{agent_id}/files/search", response_model=HostSearch, responses=HOST_RESPONSES)
async def search_file(
    agent_id: str,
    path: PathQuery,
    q: Annotated[str, Query(min_length=1, max_length=SEARCH_MAX_QUERY)],
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    regex: bool = False,
    case_sensitive: bool = False,
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX_MATCHES)] = 200,
) -> HostSearch:
    """Lines of a file matching a keyword or an RE2 regex, with their numbers; bounded in
    bytes read (64 MiB), matches and time (5 s): `complete` says whether it got to the end."""
    where = located(await agent_of(engine, agent_id), path)
    arg = {
        "root": where.root, "rel_path": where.rel_path, "query": q, "regex": regex,
        "case_sensitive": case_sensitive, "max_matches": limit,
    }  # fmt: skip
    got = await ask(temporal, settings, agent_id, SEARCH_FILE, arg)
    return HostSearch(agent_id=agent_id, path=where.path, query=q, regex=regex, **got)


@router.post(
    "/{agent_id}/files:upload",
    response_model=TriggerPublic,
    status_code=201,
    responses={**HOST_RESPONSES, 200: {"model": TriggerPublic}, 202: {"model": TriggerPublic}},
)
async def upload_file(
    agent_id: str,
    body: HostPath,
    response: Response,
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> TriggerPublic:
    """Upload a file now: a manual trigger (its rules' pipeline, or the default upload)."""
    agent = await agent_of(engine, agent_id)
    where = located(agent, body.path)
    if not where.rel_path:
        raise ApiError(422, "invalid_path", f"{body.path!r} is a root, not a file")
    with temporal_reachable():
        state = await manual_trigger.trigger_file(
            temporal, agent=agent, target=ManualTarget(where.root, where.rel_path),
            task_queue=settings.temporal.task_queue, wait=PICKUP_S,
        )  # fmt: skip
    public = trigger_public(state)
    if public.status == "refused" and state.result is not None:
        raise host_error(state.result.error_class, f"agent {agent_id}: {state.result.error}")
    response.status_code = {STARTED: 201, EXISTING: 200}.get(public.status, 202)
    return public


@router.post(
    "/{agent_id}/files:analyze", response_model=FileAnalysisPublic, responses=HOST_RESPONSES
)
async def analyze_file(
    agent_id: str,
    body: HostPath,
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    language: Annotated[str, Query(pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")] = "en",
) -> FileAnalysisPublic:
    """Analyse a file now: a masked excerpt on the host, then the LLM (or the built-in
    analyzer, `degraded`). Takes up to a few minutes with a slow LLM."""
    where = located(await agent_of(engine, agent_id), body.path)
    if not where.rel_path:
        raise ApiError(422, "invalid_path", f"{body.path!r} is a root, not a file")
    inp = FileAnalysisInput(agent_id, where.path, language, pickup_s=PICKUP_S)
    try:
        with temporal_reachable():
            analysis = await temporal.execute_workflow(
                FILE_ANALYSIS_WORKFLOW, inp, result_type=Analysis,
                id=f"{FILE_ANALYSIS_PREFIX}{agent_id}-{uuid.uuid4().hex[:12]}",
                task_queue=settings.temporal.task_queue,
                execution_timeout=timedelta(minutes=5),
            )  # fmt: skip
    except WorkflowFailureError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            raise host_error(cause.type or "error", cause.message) from None
        raise ApiError(504, "timeout", f"the analysis of {where.path} did not finish") from None
    fields = asdict(analysis)
    fields.pop("retries", None)
    fields.pop("knowledge", None)
    return FileAnalysisPublic(agent_id=agent_id, path=where.path, **fields)
