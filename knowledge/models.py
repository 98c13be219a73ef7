"""The ORM models (SQLAlchemy 2.x typed mappings). Schema changes go through migrations/."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    MetaData,
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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


ROLES = ("staff", "coordinator", "editor", "admin")


class AreaSet(Base):
    """A versioned set of priority areas (e.g. the 2023 revision of the agreement)."""

    __tablename__ = "area_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    areas: Mapped[list["PriorityArea"]] = relationship(
        back_populates="area_set", order_by="PriorityArea.position"
    )


area_mappings = Table(
    "area_mappings",
    Base.metadata,
    Column("old_area_id", ForeignKey("priority_areas.id"), primary_key=True),
    Column("new_area_id", ForeignKey("priority_areas.id"), primary_key=True),
)


class PriorityArea(Base):
    __tablename__ = "priority_areas"
    __table_args__ = (UniqueConstraint("area_set_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    area_set_id: Mapped[int] = mapped_column(ForeignKey("area_sets.id"))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    area_set: Mapped[AreaSet] = relationship(back_populates="areas")
    # Areas of a newer set that this (older) area maps to.
    maps_to: Mapped[list["PriorityArea"]] = relationship(
        secondary=area_mappings,
        primaryjoin=lambda: PriorityArea.id == area_mappings.c.old_area_id,
        secondaryjoin=lambda: PriorityArea.id == area_mappings.c.new_area_id,
    )


class District(Base):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("districts.id"))


class EvidenceLevel(Base):
    __tablename__ = "evidence_levels"
    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[Optional[str]] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set by an admin's password reset: the one-time password only opens the change page.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())

    # Flask-Login's protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # sha256 of the token: tokens are long random strings, so a slow hash adds nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


case_areas = Table(
    "case_areas",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("priority_areas.id"), primary_key=True),
)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # None only on a draft saved before its district was chosen (required at submission).
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("districts.id"))
    # Where the case was filed, when a district merge has since moved it (else None).
    filed_district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("districts.id"))
    organisation: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[list] = mapped_column(JSON, default=list)
    target_group: Mapped[str] = mapped_column(Text, default="")
    situation: Mapped[str] = mapped_column(Text, default="")
    cause_analysis: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    gender_analysis: Mapped[str] = mapped_column(Text, default="")
    child_rights_analysis: Mapped[str] = mapped_column(Text, default="")
    evidence_level: Mapped[Optional[str]] = mapped_column(ForeignKey("evidence_levels.slug"))
    start_date: Mapped[Optional[date]] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Optimistic locking: every revision raises it by one, and an edit form (or an import row)
    # that was based on an older version is refused (knowledge.edit_conflicts).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="1")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    featured_position: Mapped[Optional[int]] = mapped_column(Integer)
    featured_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    published_at: Mapped[Optional[datetime]] = mapped_column(DateTime, index=True)
    archived_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    district: Mapped[Optional[District]] = relationship(lazy="joined",
                                                       foreign_keys=[district_id])
    filed_district: Mapped[Optional[District]] = relationship(foreign_keys=[filed_district_id])
    evidence: Mapped[Optional[EvidenceLevel]] = relationship(lazy="joined", viewonly=True)
    areas: Mapped[list[PriorityArea]] = relationship(
        secondary=case_areas, order_by=PriorityArea.position, lazy="selectin"
    )
    author: Mapped[Optional[User]] = relationship()
    revisions: Mapped[list["CaseRevision"]] = relationship(
        back_populates="case", order_by="CaseRevision.id", cascade="all, delete-orphan"
    )

    @property
    def home_district(self) -> District:
        """The district of a case past the draft stage: validation requires one when a case
        is submitted or imported, so only a draft saved half-way lacks it."""
        if self.district is None:
            raise ValueError(f"Case {self.id} ({self.status}) has no district")
        return self.district


class CaseRevision(Base):
    """Every change to a case: who, when, what (field → [old, new]) and an optional comment."""

    __tablename__ = "case_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    # The case's version after this change (NULL for revisions from before versions existed).
    case_version: Mapped[Optional[int]] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    case: Mapped[Case] = relationship(back_populates="revisions")
    user: Mapped[Optional[User]] = relationship()


class OutboxEntry(Base):
    """A case whose searchable state changed; the search index applies these in id order."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UserSession(Base):
    """A login. The browser's cookie names it; logging out or deactivating deletes it, so a
    copied cookie stops working on the server, not just in the browser."""

    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Failed logins, counted per account and per address across all worker processes."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEvent(Base):
    """Who did what, when. Never case text."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

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


class FeedToken(Base):
    """A personal token for Atom feeds (feed readers cannot log in). Only its sha256 is kept.

    Beside ApiToken because it is a credential of the user: deactivating her revokes both
    (knowledge.users), and the accounts code must not import the exchange feature for it."""

    __tablename__ = "feed_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    user: Mapped[User] = relationship(lazy="joined")
