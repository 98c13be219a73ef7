"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from knowledge.operations.migrate import alembic_config
from knowledge.all_models import Base

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(db):
    context = MigrationContext.configure(db.connection(), opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_one_head():
    from alembic.script import ScriptDirectory
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_make_migration_on_unchanged_models_writes_an_empty_migration(tmp_path):
    spec = importlib.util.spec_from_file_location("new_migration",
                                                  ROOT / "scripts" / "new_migration.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = module.new_migration("inget nytt", rev_id="9999_test", directory=tmp_path)
    assert path.parent == tmp_path
    source = path.read_text()
    body = source.split("def upgrade() -> None:", 1)[1].split("def downgrade", 1)[0]
    statements = [line.strip() for line in body.splitlines()
                  if line.strip() and not line.strip().startswith("#")]
    assert statements == ["pass"], source
