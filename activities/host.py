"""The activities a host worker (inside `sluice agent`) runs: the ones that need the file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from activities.analyze.host import ExcerptActivities
from activities.archive import ArchiveActivities
from activities.host_views.resources import ResourceActivities, ResourceSource
from activities.script import ScriptActivities
from activities.stat import StatActivities
from activities.upload import UploadActivities

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def host_activities(
    client: S3Client,
    roots: Sequence[Path],
    script_allow: Sequence[str] = (),
    resources: ResourceSource | None = None,
) -> list[Callable[..., Any]]:
    """The host queue's activities; the read-only views run on the view queue
    (activities/host_views `view_activities`), so they never take these slots."""
    excerpts = ExcerptActivities(roots)
    return [
        UploadActivities(client, roots).upload_file,
        ArchiveActivities(roots).archive_file,
        excerpts.extract_excerpt,
        excerpts.extract_log_excerpt,
        ScriptActivities(roots, script_allow).run_script,
        StatActivities(roots).stat_file,
        *([ResourceActivities(resources).terminate_process] if resources is not None else []),
    ]
