"""The activities a host worker (inside `sluice agent`) runs: the ones that need the file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from activities.analyze.host import ExcerptActivities
from activities.archive import ArchiveActivities
from activities.host_views.access import FilterSource
from activities.host_views.files import FileListActivities
from activities.host_views.resources import ResourceActivities, ResourceSource
from activities.host_views.text import TextActivities
from activities.script import ScriptActivities
from activities.stat import StatActivities
from activities.upload import UploadActivities

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def host_activities(
    client: S3Client,
    roots: Sequence[Path],
    script_allow: Sequence[str] = (),
    file_filter: FilterSource | None = None,
    resources: ResourceSource | None = None,
) -> list[Callable[..., Any]]:
    excerpts = ExcerptActivities(roots)
    text = TextActivities(roots, file_filter)
    return [
        UploadActivities(client, roots).upload_file,
        ArchiveActivities(roots).archive_file,
        excerpts.extract_excerpt,
        excerpts.extract_log_excerpt,
        ScriptActivities(roots, script_allow).run_script,
        StatActivities(roots).stat_file,
        FileListActivities(roots, file_filter).list_dir,
        text.tail_file,
        text.read_from,
        text.search_file,
        *(ResourceActivities(resources).all() if resources is not None else []),
    ]
