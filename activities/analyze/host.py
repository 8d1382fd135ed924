"""The host side of `analyze`: extract a bounded, masked excerpt (no LLM client imported)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from temporalio import activity

from activities.analyze.excerpt import extract
from activities.errors import as_failure
from activities.upload import checked_file
from sluice.actions import Excerpt, ExcerptRequest


class ExcerptActivities:
    """Host side: needs the file."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self._roots = list(roots)

    @activity.defn(name="extract_excerpt")
    def extract_excerpt(self, req: ExcerptRequest) -> Excerpt:
        """Head, tail and error windows of the log, masked and bounded, plus its findings."""
        path = checked_file(
            self._roots, req.root, req.rel_path, req.expected_size, req.expected_mtime_ns
        )
        try:
            return extract(path, req)
        except OSError as exc:
            raise as_failure(exc) from exc
