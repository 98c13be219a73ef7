"""search_terms: the editable search vocabulary (synonyms, broader terms, abbreviations,
English terms, places)

Revision ID: 0007_10
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_10"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("expansions", sa.JSON(), nullable=False),
        sa.Column("district_slug", sa.String(80), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("kind", "term", name="uq_search_terms_kind_term"),
    )
    op.create_index("ix_search_terms_kind", "search_terms", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_search_terms_kind", table_name="search_terms")
    op.drop_table("search_terms")
