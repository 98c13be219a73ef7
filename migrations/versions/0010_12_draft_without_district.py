"""cases.district_id may be empty: a draft is saved before its district is chosen

Revision ID: 0007_12
Revises: 0007_11a
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_12"
down_revision = "0007_11a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Drafts without a district cannot be kept under the old rule: they get none back, so
    # the downgrade refuses rather than invent a district for them.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM cases WHERE district_id IS NULL")).scalar():
        raise RuntimeError("Det finns utkast utan stadsdelsområde; välj ett för dem först.")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=False)
