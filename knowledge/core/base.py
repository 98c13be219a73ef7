"""The declarative base every feature's models share, with one naming rule for constraints."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    # New constraints and indexes get names by one rule, so that a later migration can name
    # what it alters or drops (SQLite's batch mode needs names). Indexes already follow it.
    # Unique, foreign-key and primary-key constraints made before the rule keep the names
    # the database gave them (none on SQLite, `<table>_<column>_key`/`_fkey`/`_pkey` on
    # PostgreSQL): autogenerate does not compare those names, so it sees no difference, but
    # a migration that drops one of them must use the database's name.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
