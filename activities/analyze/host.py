"""The host side of `analyze`: extract a bounded, masked excerpt (no LLM client imported)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from temporalio import activity

from activities.analyze.excerpt import excerpt_lines, extract
from activities.errors import as_failure, failure
from activities.upload import checked_file
from sluice.actions import Excerpt, ExcerptRequest
from sluice.contracts.alert_analysis import LogExcerptRequest
from sluice.paths import OutsideRootError, resolve_in_root

LOG_TAIL_BYTES = 4 * 1024 * 1024  # a log alert's excerpt reads at most the file's last 4 MiB


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

    @activity.defn(name="extract_log_excerpt")
    def extract_log_excerpt(self, req: LogExcerptRequest) -> Excerpt:
        """The excerpt of a log file as it is now (a log keyword alert's, for its analysis):
        only inside the agent's roots, and only its last LOG_TAIL_BYTES, since it may be
        large and still growing."""
        path = self._inside_roots(req.path)
        options = ExcerptRequest("", "", 0, 0, max_lines=req.max_lines, max_bytes=req.max_bytes)
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, 2)
                handle.seek(max(0, size - LOG_TAIL_BYTES))
                if size > LOG_TAIL_BYTES:
                    handle.readline()  # a partial first line
                lines = (raw.decode("utf-8", errors="replace") for raw in handle)
                return excerpt_lines(lines, options)
        except OSError as exc:
            raise as_failure(exc) from exc

    def _inside_roots(self, absolute: str) -> Path:
        wanted = Path(absolute)
        for root in self._roots:
            for base in (root, root.resolve()):  # as configured, and as the kernel sees it
                if wanted.is_absolute() and wanted.is_relative_to(base) and wanted != base:
                    try:
                        return resolve_in_root(base, str(wanted.relative_to(base)))
                    except OutsideRootError as exc:
                        raise failure("invalid_input", str(exc)) from None
        raise failure("invalid_input", f"{absolute} is not inside this agent's roots")
