"""cases.version for optimistic locking, and the version each revision produced

Revision ID: 0007_11a
Revises: 0007_13
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_11a"
down_revision = "0007_13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cases start at version 1; their older revisions (case_version NULL) count as
    # part of it, which is all an edit form opened before the upgrade needs.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                      server_default="1"))
    with op.batch_alter_table("case_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_revisions", schema=None) as batch_op:
        batch_op.drop_column("case_version")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("version")
