"""alert_outbox_per_group: one outbox row per group and delivery, naming its alerts.

A 64-alert delivery to one group wrote 64 rows, signalled once and deleted 64; it now writes
one row with the 64 fingerprints. Additive, like every migration so far: `fingerprint` stays
(with a default) for the previous release, which writes and reads it while replicas roll.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("fingerprints", sa.JSON(), nullable=False, server_default="[]"))
        batch.alter_column("fingerprint", existing_type=sa.String(length=16), server_default="")
    array = "json_build_array" if op.get_bind().dialect.name == "postgresql" else "json_array"
    op.execute(f"UPDATE alert_outbox SET fingerprints = {array}(fingerprint)")


def downgrade() -> None:
    first = (
        "fingerprints ->> 0"
        if op.get_bind().dialect.name == "postgresql"
        else ("json_extract(fingerprints, '$[0]')")
    )
    op.execute(
        f"UPDATE alert_outbox SET fingerprint = coalesce({first}, '') WHERE fingerprint = ''"
    )
    with op.batch_alter_table("alert_outbox") as batch:
        batch.alter_column("fingerprint", existing_type=sa.String(length=16), server_default=None)
        batch.drop_column("fingerprints")
