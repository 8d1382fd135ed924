"""file_event_paths: find a directory's files among an agent's detected files by path.

The host views' file listing asks, per page of a directory, which of its files Sluice
shipped (api/services/host_files.py `shipped`); without this index that is a scan of the
agent's file events.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_file_events_agent_id_root_rel_path",
        "file_events",
        ["agent_id", "root", "rel_path"],
    )


def downgrade() -> None:
    op.drop_index("ix_file_events_agent_id_root_rel_path", table_name="file_events")
