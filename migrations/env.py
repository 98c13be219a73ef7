"""Alembic environment: runs against the URL the app was configured with."""
from alembic import context

from knowledge.core.db import make_engine
from knowledge.all_models import Base  # every table, the exchange's included

config = context.config
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
if not url and config.attributes.get("connection") is None:
    raise SystemExit("Alembic fick ingen databas. Uppgradera med `flask --app app init-db`; "
                     "skapa en ny migrering med `make migration MSG=\"…\"`.")


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite, which cannot drop or alter columns in place.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
