"""Join the two branches made in parallel (exchange tables, filed district)

Revision ID: 0006
Revises: 0004, 0005
"""

revision = "0006"
down_revision = ("0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
