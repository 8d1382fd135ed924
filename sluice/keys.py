"""Object keys from templates such as `{host}/{relpath}` (go-watch-file's default)."""

from __future__ import annotations

from pathlib import PurePosixPath

from sluice import placeholders
from sluice.contracts import DetectedFile

KEY_FIELDS = ("host", "agent", "root", "relpath", "name", "stem", "ext", "date", "sha256")


def check_key_template(template: str) -> str:
    """`template` if it uses only KEY_FIELDS and is not empty; ValueError naming the problem."""
    placeholders.parse(template, KEY_FIELDS, what="key template")
    if not template.strip("/"):
        raise ValueError("the key template is empty")
    return template


def render_key(template: str, file: DetectedFile) -> str:
    """The object key for `file`; unknown fields raise ValueError naming them.

    `{sha256}` stays as it is: only the upload, once it has hashed the file, can fill it in.
    """
    parts = placeholders.parse(template, KEY_FIELDS, what="key template")
    rel = PurePosixPath(file.rel_path)
    key = placeholders.render(
        parts,
        {
            "host": file.host,
            "agent": file.agent_id,
            "root": PurePosixPath(file.root).name,
            "relpath": file.rel_path,
            "name": rel.name,
            "stem": rel.stem,
            "ext": rel.suffix.lstrip("."),
            "date": file.detected_at[:10],
            "sha256": "{sha256}",
        },
    )
    return key.lstrip("/")
