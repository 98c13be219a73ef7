"""api_tokens.expires_at (tokens expire) and users.must_change_password (after a reset)

Revision ID: 0007_13
Revises: 0007_10
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

revision = "0007_13"
down_revision = "0007_10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy would drop and recreate `users`, which
    # fails with foreign keys on as soon as anything refers to a user.
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    # Tokens made before tokens expired get the default lifetime from today, so that no
    # integration stops at the upgrade and none runs for ever.
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime()))
    expiry = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=180)
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=expiry))
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place, without the copy that foreign keys refuse.
    op.drop_column("users", "must_change_password")
    op.drop_column("api_tokens", "expires_at")
