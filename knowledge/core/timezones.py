"""Times are stored in UTC (naive, as `models.utcnow` writes them) and shown in Stockholm.

The calendar of the people who use the bank is Stockholm's: a change made at 00:05 on
1 December is shown as 1 December, and "once a day" means once per Stockholm day, whether
the day has 23, 24 or 25 hours.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def to_local(moment: datetime) -> datetime:
    """A stored (naive UTC) or aware time as Stockholm time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(STOCKHOLM)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def today_in_stockholm(now: Optional[datetime] = None) -> date:
    return local_date(now or datetime.now(timezone.utc))


def utc_start_of(day: date) -> datetime:
    """Midnight at the start of a Stockholm calendar day, as a stored (naive UTC) time."""
    local_midnight = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM)
    return local_midnight.astimezone(timezone.utc).replace(tzinfo=None)


def utc_iso(moment: datetime) -> str:
    """For machine-readable attributes (<time datetime>): UTC with its zone spelled out."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
