"""Bar charts as server-rendered SVG: no JavaScript, no CDN, nothing for the CSP to refuse.

Each chart is an <svg role="img"> named by its own <title> and <desc> (aria-labelledby), so a
screen reader announces it as one picture; the page puts the same numbers in a table next to
it, which is what assistive technology and "print to PDF" read. Colours are given as
presentation attributes (fill=…), not style attributes, because the CSP has no
'unsafe-inline' for styles. Every fill used for bars and text has at least 3:1 (bars) and
4.5:1 (text) contrast against white, and every bar carries its number as text.
"""
from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

INK = "#1b1b1f"
MUTED = "#4a4d55"
GRID = "#c9ccd3"
# Dark enough for 3:1 against white, and apart in lightness as well as hue.
PALETTE = ("#00457a", "#8a1538", "#1f6b32", "#7a4a00", "#5b3e8f", "#00606b", "#4a4d55")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
CHAR_WIDTH = 7.2   # average width of a 13px character, for laying out labels


def bar_chart(chart_id: str, title: str, description: str,
              bars: Sequence[tuple[str, int]], *, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, value), labels left and values right of the bar."""
    label_width = min(260, int(max((len(label) for label, _ in bars), default=4) * CHAR_WIDTH)
                      + 12)
    plot_width, row, bar_height, top = 360, 28, 18, 8
    width = label_width + plot_width + 48
    height = top + row * len(bars) + 8
    biggest = max((value for _, value in bars), default=0) or 1
    parts = [_open(chart_id, title, description, width, height)]
    parts.append(_line(label_width, top - 4, label_width, height - 4, INK))
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        length = round(plot_width * value / biggest, 1)
        parts.append(_text(label_width - 8, y + 14, label, anchor="end"))
        parts.append(_bar(label_width, y, length, bar_height, colour, f"{label}: {value}"))
        parts.append(_text(label_width + length + 6, y + 14, str(value), weight="bold"))
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bar_chart(chart_id: str, title: str, description: str, groups: Sequence[str],
                      series: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """Vertical bars: one group per x-axis label (e.g. a year), one bar per series in it.

    The legend is drawn above the plot as swatches with names; each bar also has its number
    above it, so no bar depends on its colour to be read.
    """
    bar_width, bar_gap, group_gap = 16, 2, 20
    left, legend_row, plot_height = 40, 20, 200
    group_width = len(series) * (bar_width + bar_gap) - bar_gap
    legend_height = len(series) * legend_row + 10
    top = legend_height + 20
    width = max(left + len(groups) * (group_width + group_gap) + group_gap,
                int(max((len(name) for name, _ in series), default=0) * CHAR_WIDTH) + 40)
    height = top + plot_height + 32
    biggest = max((v for _, values in series for v in values), default=0)
    step = _tick_step(biggest)
    scale_top = max(step, -(-biggest // step) * step)
    parts = [_open(chart_id, title, description, width, height)]
    for i, (name, _values) in enumerate(series):
        y = 6 + i * legend_row
        parts.append(f'<rect x="0" y="{y}" width="14" height="14" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_text(20, y + 12, name))
    baseline = top + plot_height
    for tick in range(0, scale_top + 1, step):
        tick_y = baseline - plot_height * tick / scale_top
        parts.append(_line(left, tick_y, width, tick_y, GRID if tick else INK))
        parts.append(_text(left - 6, tick_y + 4, str(tick), anchor="end", fill=MUTED))
    for g, group in enumerate(groups):
        x0 = left + group_gap + g * (group_width + group_gap)
        parts.append(_text(x0 + group_width / 2, baseline + 20, group, anchor="middle"))
        for s, (name, values) in enumerate(series):
            value = values[g]
            bar_height = round(plot_height * value / scale_top, 1)
            x = x0 + s * (bar_width + bar_gap)
            parts.append(_bar(x, baseline - bar_height, bar_width, bar_height,
                              PALETTE[s % len(PALETTE)], f"{name}, {group}: {value}"))
            parts.append(_text(x + bar_width / 2, baseline - bar_height - 4, str(value),
                               anchor="middle", size=10))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    ident = escape(chart_id)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" font-size="13">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(description)}</desc>')


def _bar(x: float, y: float, width: float, height: float, fill: str, label: str) -> str:
    return (f'<rect class="bar" x="{x}" y="{y}" width="{width}" height="{height}" '
            f'fill="{fill}"><title>{escape(label)}</title></rect>')


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK,
          weight: str = "normal", size: int = 13) -> str:
    return (f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}" font-size="{size}">{escape(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{stroke}"/>'


def _tick_step(biggest: int) -> int:
    """A step of 1, 2 or 5 × 10ⁿ that gives at most five gridlines above zero."""
    step = 1
    while biggest / step > 5:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if biggest / step <= 5:
                break
    return step
