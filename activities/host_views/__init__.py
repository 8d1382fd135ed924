"""Host views: what the console asks an agent about its host, on its view queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from activities.host_views.access import FilterSource
from activities.host_views.files import FileListActivities
from activities.host_views.resources import ResourceActivities, ResourceSource
from activities.host_views.text import TextActivities


def view_activities(
    roots: Sequence[Path],
    file_filter: FilterSource | None = None,
    resources: ResourceSource | None = None,
) -> list[Callable[..., Any]]:
    """The read-only host views (HOST_VIEW_ACTIVITIES), for the agent's view worker."""
    text = TextActivities(roots, file_filter)
    return [
        FileListActivities(roots, file_filter).list_dir,
        text.tail_file,
        text.read_from,
        text.read_many,
        text.search_file,
        *([ResourceActivities(resources).host_resources] if resources is not None else []),
    ]
