"""What the search keeps in the database: the outbox of changed cases and the vocabulary."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..core.base import Base, utcnow


class OutboxEntry(Base):
    """A case whose searchable state changed; the search index applies these in id order."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchTerm(Base):
    """One entry of the editable search vocabulary ("Sökord och synonymer").

    Expanded at query time, so an edit takes effect at the next search without a reindex.
    kind: synonym (term and expansions are equivalent), broader (searching the term also
    searches the narrower expansions), abbreviation (acronym or programme name ↔ full names),
    english (an English term → the Swedish words cases use), place (a neighbourhood, station
    or square → its district, expansions are other names for the place).
    """

    __tablename__ = "search_terms"
    __table_args__ = (UniqueConstraint("kind", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    term: Mapped[str] = mapped_column(String(200))
    expansions: Mapped[list[str]] = mapped_column(JSON, default=list)
    district_slug: Mapped[Optional[str]] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    @validates("expansions")
    def _a_list_of_words(self, _key, value):
        # A string here would be read back letter by letter and expand to nothing useful.
        if isinstance(value, str):
            raise TypeError("SearchTerm.expansions är en lista med ord, inte en sträng")
        return value
