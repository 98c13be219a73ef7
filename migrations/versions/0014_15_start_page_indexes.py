"""Indexes for the start page at 50 000 cases: the newest published cases
(status, published_at, id), read in index order and stopped at the limit, and the featured
cases by their position. Without them SQLite read and sorted every published case, each
request.

Revision ID: 0014_15
Revises: 0013_16
"""
from alembic import op


revision = "0014_15"
down_revision = "0013_16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_published_id",
                              ["status", "published_at", "id"], unique=False)
        batch_op.create_index("ix_cases_featured_position", ["featured_position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_featured_position")
        batch_op.drop_index("ix_cases_status_published_id")
