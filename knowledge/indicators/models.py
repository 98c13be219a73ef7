"""Tables of case indicators. Schema: migrations/versions/0011_16 and 0012_16."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..cases.models import Case
from ..core.base import Base


class CaseIndicator(Base):
    __tablename__ = "case_indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40))
    # Which way is better: "lower" (fewer robberies) or "higher" (more feel safe); None when
    # not given (migrations/versions/0012_16). knowledge.indicators.direction reads it.
    better: Mapped[Optional[str]] = mapped_column(String(6), nullable=True)
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_from: Mapped[date] = mapped_column(Date)
    baseline_to: Mapped[date] = mapped_column(Date)
    # The case's relationship is declared here, so the case model needs no import of this.
    case: Mapped[Case] = relationship(backref=backref(
        "indicators", order_by="CaseIndicator.position", lazy="selectin",
        cascade="all, delete-orphan"))
    followups: Mapped[list["IndicatorFollowup"]] = relationship(
        back_populates="indicator", order_by="IndicatorFollowup.position", lazy="selectin",
        cascade="all, delete-orphan")


class IndicatorFollowup(Base):
    __tablename__ = "case_indicator_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("case_indicators.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(Float)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    indicator: Mapped[CaseIndicator] = relationship(back_populates="followups")
