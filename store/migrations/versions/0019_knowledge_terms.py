"""knowledge_fts_terms: how many indexed entries hold each token (and, under the empty term,
how many entries are indexed), so a search can start from its rarest words and weigh them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE knowledge_fts_terms (term VARCHAR(200) PRIMARY KEY, entries INTEGER NOT NULL)"
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE temp.knowledge_fts_vocab "
            "USING fts5vocab(main, knowledge_fts, row)"
        )
        op.execute(
            "INSERT INTO knowledge_fts_terms (term, entries) "
            "SELECT term, doc FROM temp.knowledge_fts_vocab WHERE length(term) <= 200"
        )
        op.execute("DROP TABLE temp.knowledge_fts_vocab")
    else:
        op.execute(
            "INSERT INTO knowledge_fts_terms (term, entries) "
            "SELECT term, count(*) FROM knowledge_fts, unnest(tsvector_to_array(document)) term "
            "WHERE length(term) <= 200 GROUP BY term"
        )
    op.execute(
        "INSERT INTO knowledge_fts_terms (term, entries) SELECT '', count(*) FROM knowledge_fts"
    )


def downgrade() -> None:
    op.execute("DROP TABLE knowledge_fts_terms")
