"""Object keys from templates such as `{host}/{relpath}` (go-watch-file's default)."""

from __future__ import annotations

import string
from pathlib import PurePosixPath

from sluice.contracts import DetectedFile

KEY_FIELDS = ("host", "agent", "root", "relpath", "name", "stem", "ext", "date", "sha256")


def render_key(template: str, file: DetectedFile) -> str:
    """The object key for `file`; unknown fields raise ValueError naming them.

    `{sha256}` stays as it is: only the upload, once it has hashed the file, can fill it in.
    """
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    unknown = fields - set(KEY_FIELDS)
    if unknown:
        raise ValueError(f"unknown key template field(s) {sorted(unknown)}; use {KEY_FIELDS}")
    rel = PurePosixPath(file.rel_path)
    key = template.format(
        host=file.host,
        agent=file.agent_id,
        root=PurePosixPath(file.root).name,
        relpath=file.rel_path,
        name=rel.name,
        stem=rel.stem,
        ext=rel.suffix.lstrip("."),
        date=file.detected_at[:10],
        sha256="{sha256}",
    )
    return key.lstrip("/")
