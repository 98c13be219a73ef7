"""Indexes for the district page at 10 000 cases: a district's newest published cases
(district_id, status, published_at), and other districts' published cases per evidence
level, newest first (status, evidence_level, published_at), and what a district tried,
newest first (adoption_reports: district_id, created_at). Each list is then read in index
order and stops at its limit instead of sorting every published case.

Revision ID: 0013_16
Revises: 0012_16
"""
from alembic import op


revision = "0013_16"
down_revision = "0012_16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_district_status_published",
                              ["district_id", "status", "published_at"], unique=False)
        batch_op.create_index("ix_cases_status_evidence_published",
                              ["status", "evidence_level", "published_at"], unique=False)
    with op.batch_alter_table("adoption_reports", schema=None) as batch_op:
        batch_op.create_index("ix_adoption_reports_district_created",
                              ["district_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("adoption_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_adoption_reports_district_created")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_evidence_published")
        batch_op.drop_index("ix_cases_district_status_published")
