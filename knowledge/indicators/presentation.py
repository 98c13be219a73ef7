"""Indicators as the case page shows them: a small server-rendered SVG bar chart (with its
own title and description), the same numbers for a table, and the change in words.

The words say what was measured and nothing more: "−40 % från 2022 till 2024", never that
the work caused it (the case's evidence level is shown beside them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ..core.charts import INK, PALETTE, _bar, _line, _open, _text
from .data import DIRECTIONS, format_number, is_percent
from .models import CaseIndicator

MINUS = "\u2212"
PERIOD_DASH = " – "


@dataclass
class Measurement:
    label: str          # "Utgångsvärde" or "Uppföljning 1"
    period: str         # "2022" or "2021-03-01 – 2021-04-30"
    short_period: str   # the year(s), for the chart and the words
    value: float
    shown: str          # the value with its unit, Swedish style

    @property
    def period_ends(self) -> list[str]:
        """The period's one year or two dates, for a table that may break a line between
        the dates but never inside one."""
        return self.period.split(PERIOD_DASH)


@dataclass
class IndicatorView:
    indicator: CaseIndicator
    measurements: list[Measurement]
    change: str         # in words; "" when there is no follow-up yet
    chart: Markup
    direction: str = ""  # "Lägre är bättre", "Högre är bättre" or "" when not given


def indicator_views(case) -> list[IndicatorView]:
    views = []
    for number, indicator in enumerate(getattr(case, "indicators", []), start=1):
        measurements = [_measurement("Utgångsvärde", indicator.baseline_value,
                                     indicator.baseline_from, indicator.baseline_to,
                                     indicator.unit)]
        measurements += [_measurement(f"Uppföljning {n}", f.value, f.period_from, f.period_to,
                                      indicator.unit)
                         for n, f in enumerate(indicator.followups, start=1)]
        views.append(IndicatorView(indicator=indicator, measurements=measurements,
                                   change=change_in_words(indicator.unit, measurements),
                                   chart=_chart(f"indikator-{case.id}-{number}", indicator,
                                                measurements),
                                   direction=DIRECTIONS.get(indicator.better or "", "")))
    return views


def change_in_words(unit: str, measurements: list[Measurement]) -> str:
    """From the baseline to the latest follow-up: relative change for counts, percentage
    points for percentages; when the baseline is 0 a relative change means nothing."""
    if len(measurements) < 2:
        return ""
    first, last = measurements[0], measurements[-1]
    span = f"från {first.short_period} till {last.short_period}"
    difference = last.value - first.value
    if is_percent(unit):
        points = _signed(difference)
        word = "procentenhet" if abs(difference) == 1 else "procentenheter"
        return f"{points} {word} {span} ({first.shown} → {last.shown})"
    if first.value == 0:
        return f"Från {first.shown} till {last.shown} ({first.short_period} till " \
               f"{last.short_period})"
    relative = difference / abs(first.value) * 100
    return f"{_signed(relative, whole=True)} % {span} ({first.shown} → {last.shown})"


def _signed(value: float, *, whole: bool = False) -> str:
    rounded = int(abs(value) + 0.5) if whole else abs(value)
    text = str(rounded) if whole else format_number(round(rounded, 2))
    if rounded == 0:
        return "±0"
    return ("+" if value > 0 else MINUS) + text


def _measurement(label: str, value: float, start: date, end: date, unit: str) -> Measurement:
    short = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    whole_year = start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31
    period = short if whole_year else f"{start.isoformat()}{PERIOD_DASH}{end.isoformat()}"
    return Measurement(label=label, period=period, short_period=short, value=value,
                       shown=_with_unit(value, unit))


def _with_unit(value: float, unit: str) -> str:
    if is_percent(unit):
        return f"{format_number(value)} %"
    # "42 antal" reads oddly; a count is just its number.
    return format_number(value) if unit.strip().lower() == "antal" else \
        f"{format_number(value)} {unit}"


def _chart(chart_id: str, indicator: CaseIndicator, measurements: list[Measurement]) -> Markup:
    """Horizontal bars, one per measurement, the value written at the end of each bar."""
    labels = [f"{m.short_period} ({'utgångsvärde' if i == 0 else 'uppföljning'})"
              for i, m in enumerate(measurements)]
    label_width = int(max(len(label) for label in labels) * 7.2) + 12
    plot_width, row, bar_height, top = 240, 26, 16, 6
    width = label_width + plot_width + 90
    height = top + row * len(measurements) + 6
    biggest = max((abs(m.value) for m in measurements), default=0) or 1
    description = (f"Stapeldiagram över {indicator.name} ({indicator.unit}): "
                   + "; ".join(f"{label}: {m.shown}" for label, m in zip(labels, measurements))
                   + ". Samma siffror finns i tabellen under diagrammet.")
    parts = [_open(chart_id, indicator.name, description, width, height)]
    parts.append(_line(label_width, top - 2, label_width, height - 2, INK))
    for i, (label, m) in enumerate(zip(labels, measurements)):
        y = top + i * row
        length = round(plot_width * abs(m.value) / biggest, 1)
        colour = PALETTE[0] if i == 0 else PALETTE[2]
        parts.append(_text(label_width - 8, y + 13, label, anchor="end"))
        parts.append(_bar(label_width, y, length, bar_height, colour, f"{label}: {m.shown}"))
        parts.append(_text(label_width + length + 6, y + 13, m.shown, weight="bold"))
    parts.append("</svg>")
    return Markup("".join(parts))



