"""Kept reports shared by the workers: statistics and compilations computed by one worker
process after a change are read by the others (knowledge.reports.cache), instead of each
computing them on its first request.

Revision ID: 0015_15
Revises: 0014_15
Create Date: 2026-12-02 13:33:02.946361
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_15'
down_revision = '0014_15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kept_reports',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('stamp', sa.String(length=64), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_kept_reports'))
    )


def downgrade() -> None:
    op.drop_table('kept_reports')
