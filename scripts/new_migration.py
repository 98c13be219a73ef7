"""A new Alembic migration from the models: `make migration MSG="…" [REV=0011_16]`.

Autogenerate compares the models with a database, so it runs against a fresh temporary
SQLite database migrated to head: the migration then holds the model change and nothing
that happens to differ in someone's local database. With an unchanged model the migration
is empty (`pass`); tests/test_migrations.py checks that it stays so.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from knowledge.operations.migrate import alembic_config, upgrade_database  # noqa: E402


def new_migration(message: str, rev_id: str | None = None,
                  directory: Path | None = None) -> Path:
    """Write the migration into migrations/versions (or `directory`) and return its path."""
    with tempfile.TemporaryDirectory(prefix="eb-migration-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'head.sqlite3'}"
        upgrade_database(url)
        config = alembic_config(url)
        if directory is not None:
            versions = ROOT / "migrations" / "versions"
            config.set_main_option("version_locations", f"{versions}{os.pathsep}{directory}")
        script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id,
                                  version_path=str(directory) if directory else None)
    return Path(script.path)  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", help="what the migration does, e.g. 'lägg till fält'")
    parser.add_argument("--rev-id", help="revision id, e.g. 0011_16 (number and branch tag)")
    args = parser.parse_args()
    if not args.message.strip():
        parser.error('ange MSG, t.ex. make migration MSG="lägg till fält"')
    path = new_migration(args.message, args.rev_id)
    print(f"Ny migrering: {path.relative_to(ROOT)} (läs igenom den innan du checkar in)")


if __name__ == "__main__":
    main()
