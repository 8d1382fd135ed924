"""Template values of a file's task for action steps: agent labels and presigned URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from sluice.actions import FileContext
from sluice.parameter_templates import uses_field
from store.models import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ContextValues:
    """Fills FileContext.values() with what needs the DB (labels) or S3 (presigned URL)."""

    def __init__(self, engine: Engine, s3: S3Client) -> None:
        self._engine = engine
        self._s3 = s3

    def values(self, ctx: FileContext, templates: Any, presign_expiry_s: float) -> dict[str, Any]:
        """Values for rendering `templates` (any JSON); presigns only if they ask for it."""
        with Session(self._engine) as session:
            agent = session.get(Agent, ctx.file.agent_id)
            labels = dict(agent.labels) if agent is not None and agent.labels else {}
        values = ctx.values(labels)
        if ctx.bucket and uses_field(templates, "presigned_url"):
            values["presigned_url"] = self._s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": ctx.bucket, "Key": ctx.key},
                ExpiresIn=int(presign_expiry_s),
            )
        return values
