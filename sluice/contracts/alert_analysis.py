"""What the alert analysis' workflows and activities pass each other."""

from __future__ import annotations

from dataclasses import dataclass

from sluice.actions import Excerpt

ALERT_ANALYSIS_WORKFLOW = "AlertAnalysisWorkflow"
ANALYSIS_PREFIX = "alert-analysis-"


@dataclass
class AnalysisRequest:
    group_id: str
    trigger: str = "auto"  # auto (the route asked for it), on_demand
    actor: str = ""  # who asked, on demand


@dataclass
class AnalysisPlan:
    """Whether to analyse now, and the log file an agent should read for it, if any."""

    run: bool
    agent: str = ""  # a log keyword alert's agent and file (its `agent` and `path` labels)
    path: str = ""


@dataclass
class AnalyseGroup:
    request: AnalysisRequest
    excerpt: Excerpt | None = None
    excerpt_note: str = ""  # why there is no excerpt, when one was wanted


@dataclass
class AnalysisDone:
    id: int
    degraded: bool
    error_class: str = ""


@dataclass
class LogExcerptRequest:
    """A log file by its absolute path, read as it is now (it may still grow)."""

    path: str
    max_lines: int = 200
    max_bytes: int = 16 * 1024
