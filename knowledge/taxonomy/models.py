"""Reference data: priority areas (in versioned sets), districts and evidence levels."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.base import Base


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
