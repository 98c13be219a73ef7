"""cases.filed_district_id: where a case was filed before a district merge moved it

Revision ID: 0005
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filed_district_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_cases_filed_district_id", "districts",
                                    ["filed_district_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cases_filed_district_id", type_="foreignkey")
        batch_op.drop_column("filed_district_id")
