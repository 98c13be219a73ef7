"""Tables of the district pages and the yearly plan. Schema: migrations/versions/0011_16."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.base import Base, utcnow
from ..taxonomy.models import District, PriorityArea


class DistrictCoordinator(Base):
    """A trygghetssamordnare's district: she may edit its local agreement and hears when the
    yearly compilation is published. An admin assigns it (knowledge.districts.coordinators)."""

    __tablename__ = "district_coordinators"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True,
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")


class LocalPriority(Base):
    """One priority area the district's local agreement chose, with the district's goals."""

    __tablename__ = "local_priorities"
    __table_args__ = (UniqueConstraint("district_id", "area_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("priority_areas.id"))
    goals: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    area: Mapped[PriorityArea] = relationship(lazy="joined")


class LocalAgreementRevision(Base):
    """A saved change to a local agreement: area name → [goals before, goals after], where
    None means the area was not chosen (so [None, "…"] is an added area)."""

    __tablename__ = "local_agreement_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user: Mapped[Optional[User]] = relationship(lazy="joined")


class CompilationPlan(Base):
    """The central group's "plan för kommande år" for one priority area, written next to the
    compilation of `year` (so it is the plan for year + 1). Markdown."""

    __tablename__ = "compilation_plans"
    __table_args__ = (UniqueConstraint("year", "area_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(ForeignKey("priority_areas.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    area: Mapped[PriorityArea] = relationship(lazy="joined")
    revisions: Mapped[list["CompilationPlanRevision"]] = relationship(
        back_populates="plan", order_by="CompilationPlanRevision.id",
        cascade="all, delete-orphan")


class CompilationPlanRevision(Base):
    """Every saved version of a plan text: who, when, the text before and after."""

    __tablename__ = "compilation_plan_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("compilation_plans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    old_body: Mapped[str] = mapped_column(Text, default="")
    new_body: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[CompilationPlan] = relationship(back_populates="revisions")
    user: Mapped[Optional[User]] = relationship(lazy="joined")


class CompilationPublication(Base):
    """The year's compilation was published to the local organisations (once per year)."""

    __tablename__ = "compilation_publications"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    published_by: Mapped[Optional[User]] = relationship(lazy="joined")
