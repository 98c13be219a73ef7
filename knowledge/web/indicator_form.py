"""Reading the case form's indicator fields (templates/indicators/_form_fields.html) into the
interface's JSON shape, with the values as typed: knowledge.indicators.data validates them
like an import row's or an API call's."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping, Optional

MAX_ROWS = 50


def indicators_from_form(form: Mapping[str, str]) -> Optional[list[dict[str, Any]]]:
    """None when the form has no indicator fields (then the case keeps its indicators)."""
    count = _count(form.get("ind-count"))
    if count is None:
        return None
    indicators = []
    for i in range(count):
        prefix = f"ind-{i}"
        words = {key: form.get(f"{prefix}-{key}", "").strip() for key in ("name", "source", "unit")}
        baseline = _measurement(form, f"{prefix}-base")
        followups = [m for m in (_measurement(form, f"{prefix}-fu-{j}")
                                 for j in range(_count(form.get(f"{prefix}-fu-count")) or 0))
                     if any(m.values())]
        if not any(words.values()) and not any(baseline.values()) and not followups:
            continue  # an empty indicator is no indicator (whichever direction is chosen)
        better = form.get(f"{prefix}-better", "").strip()
        indicators.append({**words, **({"better": better} if better else {}),
                           "baseline": baseline, "followups": followups})
    return indicators


def _measurement(form: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {key: form.get(f"{prefix}-{key}", "").strip() for key in ("value", "from", "to")}


def _count(value: Optional[str]) -> Optional[int]:
    text = (value or "").strip()
    return min(int(text), MAX_ROWS) if text.isdigit() else None


def number_for_form(value: Any) -> str:
    """A stored value as a person types it back: decimal comma, every decimal kept (the case
    page rounds to two; a form that did would change the value on the next save), never
    exponent notation (str(0.00001) is "1e-05", which the validation refuses). What the
    person typed into a form shown again after an error is a string and stays as typed."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f").replace(".", ",")
