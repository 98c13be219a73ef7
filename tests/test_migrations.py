"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from knowledge.migrate import alembic_config
from knowledge.all_models import Base


def test_migrations_match_the_models(app):
    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_one_head():
    from alembic.script import ScriptDirectory
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
