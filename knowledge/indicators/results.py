"""Which cases have measured results, and which of those improved by their indicators' own
direction: the one rule behind the statistics, the compilation and its files.

- **Measured**: the case has at least one indicator with a follow-up (as the search facet
  "Har mätta resultat" and `?measured=1` in the API).
- **Improved**: at least one of those indicators has a direction (`better`: "lower" or
  "higher") and its latest follow-up (the last one entered) is better than its baseline in
  that direction. An indicator without a direction counts as measured, never as improved.

Only what the numbers say: an improvement by the indicator is not a claim that the work
caused it. The rule is written twice, as SQL for the counts (an aggregate per case, never
every indicator loaded) and in Python for one loaded case (the export's columns); a test
holds the two to the same answers.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from .models import CaseIndicator, IndicatorFollowup

ID_CHUNK = 5000   # ids per IN list when the caller hands over a list


def _latest_followup_value():
    """The indicator's last follow-up value (a correlated subquery; NULL when none)."""
    return (select(IndicatorFollowup.value)
            .where(IndicatorFollowup.indicator_id == CaseIndicator.id)
            .order_by(IndicatorFollowup.position.desc(), IndicatorFollowup.id.desc())
            .limit(1).correlate(CaseIndicator).scalar_subquery())


def measured_cases(session: Session, case_ids: Any) -> dict[int, bool]:
    """Case id → improved, for the cases among `case_ids` (a subquery or a list) that have
    measured results; a case missing from the answer has none."""
    latest = _latest_followup_value()
    improved = or_(and_(CaseIndicator.better == "lower", latest < CaseIndicator.baseline_value),
                   and_(CaseIndicator.better == "higher",
                        latest > CaseIndicator.baseline_value))
    query = (select(CaseIndicator.case_id, func.max(case((improved, 1), else_=0)))
             .where(latest.is_not(None)).group_by(CaseIndicator.case_id))
    if isinstance(case_ids, (list, tuple, set)):
        ids = list(case_ids)
        found: dict[int, bool] = {}
        for offset in range(0, len(ids), ID_CHUNK):
            chunk = ids[offset:offset + ID_CHUNK]
            found.update((case_id, bool(flag)) for case_id, flag in session.execute(
                query.where(CaseIndicator.case_id.in_(chunk))))
        return found
    return {case_id: bool(flag) for case_id, flag in session.execute(
        query.where(CaseIndicator.case_id.in_(case_ids)))}


def case_result(case) -> tuple[bool, bool]:
    """(measured, improved) for one loaded case, by the same rule as measured_cases."""
    measured = improved = False
    for indicator in getattr(case, "indicators", []):
        if not indicator.followups:
            continue
        measured = True
        latest = indicator.followups[-1].value
        if (indicator.better == "lower" and latest < indicator.baseline_value) or \
                (indicator.better == "higher" and latest > indicator.baseline_value):
            improved = True
    return measured, improved


def count(flags: dict[int, bool], case_ids: Iterable[int]) -> tuple[int, int]:
    """(measured, improved) among `case_ids`, each case once."""
    measured = improved = 0
    for case_id in set(case_ids):
        if case_id in flags:
            measured += 1
            improved += flags[case_id]
    return measured, improved


def in_words(measured: int, improved: int) -> str:
    """"Mätta resultat: 4 exempel, varav 3 med förbättring enligt indikatorn" (never causal)."""
    if not measured:
        return "Mätta resultat: inga exempel"
    return (f"Mätta resultat: {measured} exempel, varav {improved} med förbättring enligt "
            "indikatorn")


EXPLANATION = ("Mätta resultat: exempel med minst en indikator som har ett uppföljningsvärde. "
               "Förbättring enligt indikatorn: minst en indikator vars senaste uppföljning är "
               "bättre än utgångsvärdet, i den riktning som angetts för indikatorn (lägre eller "
               "högre är bättre). En indikator utan angiven riktning räknas som mätt men inte "
               "som förbättrad. Siffrorna säger vad som mättes, inte att insatsen orsakade "
               "förändringen.")
