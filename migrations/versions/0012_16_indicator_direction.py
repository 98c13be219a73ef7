"""Which way is better for an indicator: "lower" (fewer robberies) or "higher" (a larger
share feeling safe), so the statistics and the compilation can count cases whose measured
results improved. Empty for indicators saved before (they count as measured, not improved).

Revision ID: 0012_16
Revises: 0011_16
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_16"
down_revision = "0011_16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("better", sa.String(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_indicators", schema=None) as batch_op:
        batch_op.drop_column("better")
