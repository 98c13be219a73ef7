"""Indicators as data: validation of what the form, an import row or the API sent, the
JSON shape every interface uses, and writing them onto a case (one write path: called from
knowledge.cases.validation and knowledge.cases.lifecycle)."""
from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any, Optional

from .models import CaseIndicator, IndicatorFollowup

LABEL = "Indikatorer"
NAME_MAX = SOURCE_MAX = 200
UNIT_MAX = 40
MAX_INDICATORS = 20
MAX_FOLLOWUPS = 20
PERCENT_UNITS = ("procent", "%", "andel (%)")
# Which way is better, by its code in JSON (the optional key "better") and its label in the
# form; an indicator without it counts as measured, never as improved.
DIRECTIONS = {"lower": "Lägre är bättre", "higher": "Högre är bättre"}
DIRECTION_LABEL = "Vilket håll är bättre (better)"
EXAMPLE = ('[{"name": "Anmälda rån vid Farsta centrum", "source": "Polisens '
           'anmälningsstatistik", "unit": "antal", "baseline": {"value": 42, "from": '
           '"2022-01-01", "to": "2022-12-31"}, "followups": [{"value": 25, "from": '
           '"2024-01-01", "to": "2024-12-31"}]}]')


def is_percent(unit: str) -> bool:
    return unit.strip().lower() in PERCENT_UNITS


def clean_indicators(value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """(indicators in the JSON shape, problems in Swedish). None or "" is no indicators;
    text is read as JSON (a CSV cell may carry it)."""
    problems: list[str] = []
    if value is None or (isinstance(value, str) and not value.strip()):
        return [], problems
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [], [f"{LABEL}: kunde inte läsas som JSON. Skriv dem som en lista, t.ex. "
                        f"{EXAMPLE}."]
    if not isinstance(value, list):
        return [], [f"{LABEL}: ska vara en lista med indikatorer, t.ex. {EXAMPLE}."]
    if len(value) > MAX_INDICATORS:
        problems.append(f"{LABEL}: högst {MAX_INDICATORS} per exempel (nu {len(value)}).")
        value = value[:MAX_INDICATORS]
    cleaned = []
    for number, item in enumerate(value, start=1):
        cleaned.append(_clean_one(item, number, problems))
    return cleaned, problems


def _clean_one(item: Any, number: int, problems: list[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        problems.append(f"{LABEL}: indikator {number} ska vara ett objekt med name, source, "
                        "unit, baseline och followups.")
        return {}
    name = _one_line(item.get("name"))
    where = f"Indikator {number}" + (f" (”{name}”)" if name else "")
    unknown = sorted(set(item) - {"name", "source", "unit", "better", "baseline", "followups"})
    if unknown:
        problems.append(f"{where}: okänt fält {', '.join(unknown)}. Giltiga fält: name, "
                        "source, unit, better, baseline, followups.")
    source, unit = _one_line(item.get("source")), _one_line(item.get("unit"))
    for label, text, limit, required in (("Vad som mättes (name)", name, NAME_MAX, True),
                                         ("Källa (source)", source, SOURCE_MAX, False),
                                         ("Enhet (unit)", unit, UNIT_MAX, True)):
        if required and not text:
            problems.append(f"{where}: {label} måste fyllas i"
                            + (", t.ex. antal eller procent." if "unit" in label else "."))
        elif len(text) > limit:
            problems.append(f"{where}: {label} får vara högst {limit} tecken.")
    baseline = _clean_measurement(item.get("baseline"), f"{where}: Utgångsvärde (baseline)",
                                  unit, problems)
    followups_in = item.get("followups") or []
    if not isinstance(followups_in, list):
        problems.append(f"{where}: Uppföljningar (followups) ska vara en lista.")
        followups_in = []
    if len(followups_in) > MAX_FOLLOWUPS:
        problems.append(f"{where}: högst {MAX_FOLLOWUPS} uppföljningar.")
        followups_in = followups_in[:MAX_FOLLOWUPS]
    followups = [_clean_measurement(f, f"{where}: Uppföljning {n} (followups)", unit, problems)
                 for n, f in enumerate(followups_in, start=1)]
    cleaned = {"name": name, "source": source, "unit": unit}
    better = _clean_direction(item.get("better"), where, problems)
    if better:
        cleaned["better"] = better  # left out when not given: the documented shape as it was
    return {**cleaned, "baseline": baseline, "followups": followups}


def _clean_direction(value: Any, where: str, problems: list[str]) -> Optional[str]:
    """"lower" or "higher" (or the form's label for either); None or "" is not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = " ".join(str(value).split()).casefold() if isinstance(value, str) else None
    for code, label in DIRECTIONS.items():
        if text in (code, label.casefold()):
            return code
    valid = ", ".join(f"{code} ({label})" for code, label in DIRECTIONS.items())
    problems.append(f"{where}: {DIRECTION_LABEL}: okänt värde ”{value}”. Giltiga värden: "
                    f"{valid}, eller tomt om ingen riktning är bättre.")
    return None


def _clean_measurement(value: Any, where: str, unit: str, problems: list[str]
                       ) -> dict[str, Any]:
    if not isinstance(value, dict):
        problems.append(f"{where}: måste anges med value, from och to, t.ex. "
                        '{"value": 42, "from": "2022-01-01", "to": "2022-12-31"}.')
        return {}
    number = _number(value.get("value"))
    if number is None:
        shown = value.get("value")
        problems.append(f"{where}: värdet måste vara ett tal"
                        + (f" (nu ”{shown}”)." if shown not in (None, "") else "."))
    elif is_percent(unit) and not 0 <= number <= 100:
        problems.append(f"{where}: en andel i procent måste vara mellan 0 och 100 "
                        f"(nu {format_number(number)}).")
    start, end = (_date(value.get(key), f"{where}: {label}", problems)
                  for key, label in (("from", "periodens början (from)"),
                                     ("to", "periodens slut (to)")))
    if start and end and end < start:
        problems.append(f"{where}: perioden måste sluta efter att den börjar "
                        f"({start.isoformat()} – {end.isoformat()}).")
    return {"value": number, "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None}


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "").replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            return None
        value = float(text)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _date(value: Any, label: str, problems: list[str]) -> date | None:
    text = str(value or "").strip()
    if not text:
        problems.append(f"{label} måste anges som ÅÅÅÅ-MM-DD.")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: \"{text}\" är inte ett giltigt datum. Skriv det som "
                        "ÅÅÅÅ-MM-DD, t.ex. 2024-12-31.")
        return None


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def format_number(value: float | int) -> str:
    """Swedish style: decimal comma, no trailing zeros."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def indicators_as_data(case) -> list[dict[str, Any]]:
    """The case's indicators in the interface's JSON shape (an empty list when none)."""
    return [{
        "name": ind.name, "source": ind.source, "unit": ind.unit,
        **({"better": ind.better} if ind.better else {}),
        "baseline": _measurement(ind.baseline_value, ind.baseline_from, ind.baseline_to),
        "followups": [_measurement(f.value, f.period_from, f.period_to)
                      for f in ind.followups],
    } for ind in getattr(case, "indicators", [])]


def _measurement(value: float, start: date, end: date) -> dict[str, Any]:
    number = int(value) if float(value).is_integer() else value
    return {"value": number, "from": start.isoformat(), "to": end.isoformat()}


def apply_indicators(case, indicators: list[dict[str, Any]]) -> None:
    """Replace the case's indicators with clean ones (from clean_indicators)."""
    if indicators_as_data(case) == indicators:
        return
    case.indicators = [CaseIndicator(
        position=position, name=item["name"], source=item["source"], unit=item["unit"],
        better=item.get("better"),
        baseline_value=item["baseline"]["value"],
        baseline_from=date.fromisoformat(item["baseline"]["from"]),
        baseline_to=date.fromisoformat(item["baseline"]["to"]),
        followups=[IndicatorFollowup(position=n, value=f["value"],
                                     period_from=date.fromisoformat(f["from"]),
                                     period_to=date.fromisoformat(f["to"]))
                   for n, f in enumerate(item["followups"])])
        for position, item in enumerate(indicators)]


def indicators_in_words(indicators: list[dict[str, Any]]) -> str:
    """For the history: the indicators' names and their latest value."""
    parts = []
    for item in indicators or []:
        latest = (item.get("followups") or [item.get("baseline") or {}])[-1]
        value = latest.get("value")
        parts.append(f"{item.get('name')}: {format_number(value) if value is not None else '–'}"
                     f" {item.get('unit', '')}".rstrip())
    return "; ".join(parts)


