"""Tables of the experience exchange: questions, adoption reports, follows, notifications,
feed tokens, curated collections (teman) and bookmarks. Schema: migrations/versions/0004."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Case
from ..core.base import Base, utcnow
from ..taxonomy.models import District


class Question(Base):
    """A question someone asked on a published case; the author or contact answers."""

    __tablename__ = "case_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    asker: Mapped[User] = relationship(lazy="joined")
    case: Mapped[Case] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="question", order_by="Answer.id", lazy="selectin",
        cascade="all, delete-orphan")


class Answer(Base):
    __tablename__ = "case_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("case_questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    author: Mapped[User] = relationship(lazy="joined")
    question: Mapped[Question] = relationship(back_populates="answers")


class AdoptionReport(Base):
    """"Vi har provat detta": a district adopted or adapted a case."""

    __tablename__ = "adoption_reports"
    # A district's page lists what the district tried, newest first (knowledge.districts.pages).
    __table_args__ = (Index("ix_adoption_reports_district_created", "district_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    context: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    # The reporter's own case about her version, if she wrote one: links the chain onwards.
    own_case_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    own_case: Mapped[Optional[Case]] = relationship(foreign_keys=[own_case_id])
    updates: Mapped[list["AdoptionUpdate"]] = relationship(
        back_populates="report", order_by="AdoptionUpdate.id", lazy="selectin",
        cascade="all, delete-orphan")


class AdoptionUpdate(Base):
    __tablename__ = "adoption_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("adoption_reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # the report's status after this update
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")
    report: Mapped[AdoptionReport] = relationship(back_populates="updates")


class Follow(Base):
    """What a person follows: a priority area or district (by slug), a saved search (a
    normalised /cases query string) or one case (by id, as text)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target"),
                      Index("ix_follows_kind_target", "kind", "target"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship()


class Notification(Base):
    """One thing a person should hear about: shown at /notiser and e-mailed once.

    A contact address that belongs to no user gets rows with user_id NULL and `email` set:
    e-mail only. `event_key` names the event, so collecting it twice adds nothing.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "event_key"),
                      Index("ix_notifications_unmailed", "emailed_at", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    kind: Mapped[str] = mapped_column(String(30))
    event_key: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # A path on this site for notifications about something other than a case (e.g. the
    # published compilation); empty for case notifications, which link to their case.
    link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    emailed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # A digest run claims rows before it sends them, so two runs never mail the same row;
    # a claim older than a quarter of an hour is taken to be from a run that died.
    mail_claim: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    mail_claimed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    user: Mapped[Optional[User]] = relationship()
    case: Mapped[Optional[Case]] = relationship()


class ExchangePreferences(Base):
    __tablename__ = "exchange_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    digest: Mapped[str] = mapped_column(String(10), default="daily")
    last_digest_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class ScanPosition(Base):
    """How far a background scan has read (e.g. the case revisions read for new cases)."""

    __tablename__ = "exchange_scan_positions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Collection(Base):
    """A theme curated by the central office, e.g. "Sommarlovet"."""

    __tablename__ = "collections"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    items: Mapped[list["CollectionItem"]] = relationship(
        back_populates="collection", order_by="CollectionItem.position", lazy="selectin",
        cascade="all, delete-orphan")


class CollectionItem(Base):
    __tablename__ = "collection_items"
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    collection: Mapped[Collection] = relationship(back_populates="items")
    case: Mapped[Case] = relationship(lazy="joined")


class Bookmark(Base):
    __tablename__ = "bookmarks"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    case: Mapped[Case] = relationship(lazy="joined")
