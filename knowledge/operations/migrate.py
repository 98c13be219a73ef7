"""Bring the database schema up to date with Alembic, from code (init-db, make run, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]  # the repository: knowledge/operations/migrate.py


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str, revision: str = "heads") -> None:
    # "heads": branches made in parallel (and joined later by a merge revision) all apply.
    command.upgrade(alembic_config(database_url), revision)
