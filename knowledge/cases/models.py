"""Cases, their priority areas and their revisions."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.base import Base, utcnow
from ..taxonomy.models import District, EvidenceLevel, PriorityArea

case_areas = Table(
    "case_areas",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("priority_areas.id"), primary_key=True),
)


class Case(Base):
    __tablename__ = "cases"
    # Both serve the district page (knowledge.districts.pages) at 10 000 cases: a district's
    # newest published cases, and other districts' published cases per evidence level newest
    # first, each read in index order and stopped at the limit instead of sorted in full.
    __table_args__ = (
        Index("ix_cases_district_status_published", "district_id", "status", "published_at"),
        Index("ix_cases_status_evidence_published", "status", "evidence_level", "published_at"),
        # The start page: the newest published cases (read in index order, limit 6), and the
        # featured ones in their order.
        Index("ix_cases_status_published_id", "status", "published_at", "id"),
        Index("ix_cases_featured_position", "featured_position"),
    )
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
    # that was based on an older version is refused (knowledge.cases.edit_conflicts).
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
