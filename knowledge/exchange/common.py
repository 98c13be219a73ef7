"""Small helpers shared by the exchange modules."""
from __future__ import annotations

from typing import Any

from ..cases.privacy import scan_text
from ..cases.validation import FieldError, ValidationError, single_line, strip_control

TEXT_MAX = 5_000


def clean_text(data: dict[str, Any], field: str, label: str, errors: list[FieldError], *,
               required: bool = False, limit: int = TEXT_MAX, one_line: bool = False) -> str:
    """The field's text without control characters (and, for `one_line` fields such as a
    title, without line breaks); problems are added to `errors`."""
    text = single_line(data.get(field)) if one_line else \
        strip_control(str(data.get(field) or "")).strip()
    if required and not text:
        errors.append(FieldError(field, f"{label}: måste fyllas i."))
    elif len(text) > limit:
        errors.append(FieldError(field, f"{label}: får vara högst {limit} tecken "
                                        f"(nu {len(text)})."))
    # Questions, answers and reports are read by everyone, like a published case: the same
    # personal-data guard applies (contact goes through the app's notifications instead).
    for finding in scan_text(text, field):
        errors.append(FieldError(field, f"{label}: innehåller {finding.label} "
                                        f"(\"{finding.text}\"). Ta bort det innan du skickar."))
    return text


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError(errors)


def excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
