"""What the reports keep in the database: computed statistics and compilations, shared by
every worker process (knowledge.reports.cache)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.base import Base, utcnow


class KeptReport(Base):
    """One kept result: valid while the database's change stamp is still `stamp`.

    `key` and `stamp` are digests of what the result is of and of the state it was computed
    at; `value` is the pickled result. Rows are only ever replaced, never read across a
    change, so an old row is harmless until the next computation of its key replaces it.
    """

    __tablename__ = "kept_reports"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(64))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
