"""One validation of case input, shared by the form, the import and the API.

`clean_case_input` takes what a person or a file sent (strings, lists, dates) and returns
clean values ready for the model, or raises `ValidationError` listing every problem with
the field it concerns, in Swedish, with the valid values where there is a list of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from . import fields as case_fields
from ..taxonomy.reference import Taxonomy
from ..core.timezones import today_in_stockholm

TITLE_MAX = case_fields.SHORT_MAX
TEXT_MAX = case_fields.LONG_MAX
# Start and end dates: the bank holds recent and planned work. A wider range only lets typing
# slips through (year 0001 or 9999), and every stored year becomes a search facet.
FIRST_YEAR = 1990
YEARS_AHEAD = 10


def year_range() -> tuple[int, int]:
    """The years a start or end date may have: 1990 up to ten years from now."""
    return FIRST_YEAR, today_in_stockholm().year + YEARS_AHEAD

# The field lists live in the registry; they are re-exported here, where they were first read.
LABELS = case_fields.LABELS
LONG_TEXT_FIELDS = case_fields.LONG_TEXT_FIELDS
SHORT_TEXT_FIELDS = case_fields.SHORT_TEXT_FIELDS
CASE_FIELDS = case_fields.CASE_FIELDS
# The text fields every case must have (the summary may wait in a draft).
_REQUIRED_TEXT_FIELDS = case_fields.names(
    where=lambda f: f.kind in (case_fields.LINE, case_fields.TEXT) and f.required)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationError(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.field, []).append(error.message)
        return grouped


# C0 control characters other than tab and new lines: never meaningful in a case, and
# PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def single_line(value: Any) -> str:
    """For fields that are one line (a title, a name, an address): every run of white space,
    line breaks included (also U+2028 and the like), becomes one space. A line break kept in
    a title ends up in an e-mail Subject header, a log line or a file name."""
    if value is None:
        return ""
    return " ".join(strip_control(str(value)).split())


def _text(value: Any) -> str:
    if value is None:
        return ""
    return strip_control(str(value)).strip()


def split_list(value: Any) -> list[str]:
    """A list field from a list, or from text separated by ';' or new lines."""
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[Any] = re.split(r"[;\n]", value)
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        items = [value]
    return [text for text in (single_line(item) for item in items) if text]


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)  # also raises ValueError for 2025-02-30


def _clean_text(field: str, value: Any) -> str:
    if case_fields.BY_NAME[field].kind == case_fields.LINE:
        return single_line(value)
    return _text(value)


def _limit(field: str) -> int:
    return TITLE_MAX if case_fields.BY_NAME[field].kind == case_fields.LINE else TEXT_MAX


def clean_case_input(data: dict[str, Any], taxonomy: Taxonomy, *,
                     draft: bool = False) -> dict[str, Any]:
    """Validate everything at once, so the person sees every problem in one go.

    A draft (`draft=True`) is saved with what is there: only the title is required, so that
    she can stop half-way; what is filled in must still be valid. Summary, district and
    priority areas are required when the case is submitted (and always in imports).
    """
    errors: list[FieldError] = []

    def fail(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{LABELS.get(field, field)}: {message}"))

    # The status is no input here: the lifecycle functions set it (and the import files a
    # row's status through cases.file_case_status).
    allowed = set(CASE_FIELDS) - {"status"}
    for key in data:
        if key not in allowed:
            errors.append(FieldError(key, f"Okänt fält \"{key}\". Giltiga fält: "
                                          f"{', '.join(sorted(allowed))}."))

    clean: dict[str, Any] = {}
    for field in _REQUIRED_TEXT_FIELDS:
        clean[field] = _clean_text(field, data.get(field))
        required = case_fields.BY_NAME[field].required
        if not clean[field] and not (draft and required == case_fields.TO_SUBMIT):
            fail(field, "måste fyllas i.")
    for field in _REQUIRED_TEXT_FIELDS:
        limit = _limit(field)
        if len(clean[field]) > limit:
            fail(field, f"får vara högst {limit} tecken (nu {len(clean[field])}).")

    for field in LONG_TEXT_FIELDS + SHORT_TEXT_FIELDS:
        clean[field] = _clean_text(field, data.get(field))
        limit = _limit(field)
        if len(clean[field]) > limit:
            fail(field, f"får vara högst {limit} tecken (nu {len(clean[field])}).")
    clean["external_id"] = clean["external_id"] or None

    district_names = ", ".join(d.name for d in taxonomy.districts)
    district_value = single_line(data.get("district"))
    clean["district"] = None
    if not district_value:
        if not draft:
                fail("district", f"måste anges. Giltiga värden: {district_names}.")
    else:
        clean["district"] = taxonomy.find_district(district_value)
        if clean["district"] is None:
            fail("district", f"okänt värde \"{district_value}\". Giltiga värden: "
                             f"{district_names}.")

    area_names = "; ".join(f"{a.slug} ({a.name})" for a in taxonomy.areas)
    area_values = split_list(data.get("priority_areas"))
    clean["priority_areas"] = []
    if not area_values and not draft:
        fail("priority_areas", f"välj minst ett. Giltiga värden: {area_names}.")
    for value in area_values:
        found = taxonomy.find_areas(value)
        if not found:
            fail("priority_areas", f"okänt värde \"{value}\". Giltiga värden: {area_names}.")
        for area in found:
            if area not in clean["priority_areas"]:
                clean["priority_areas"].append(area)

    clean["partners"] = split_list(data.get("partners"))
    for partner in clean["partners"]:
        if len(partner) > TITLE_MAX:
            fail("partners", f"varje samverkanspart får vara högst {TITLE_MAX} tecken.")
            break

    level_value = _text(data.get("evidence_level"))
    clean["evidence_level"] = None
    if level_value:
        level = taxonomy.find_evidence_level(level_value)
        if level is None:
            valid = ", ".join(f"{lv.slug} ({lv.name})" for lv in taxonomy.evidence_levels)
            fail("evidence_level", f"okänt värde \"{level_value}\". Giltiga värden: {valid}.")
        else:
            clean["evidence_level"] = level.slug

    first_year, last_year = year_range()
    for field in case_fields.DATE_FIELDS:
        try:
            clean[field] = _parse_date(data.get(field))
        except ValueError:
            clean[field] = None
            fail(field, f"\"{_text(data.get(field))}\" är inte ett giltigt datum. "
                        "Skriv det som ÅÅÅÅ-MM-DD, t.ex. 2025-03-31.")
            continue
        if clean[field] and not first_year <= clean[field].year <= last_year:
            fail(field, f"året måste vara mellan {first_year} och {last_year} "
                        f"(nu {clean[field].isoformat()}).")
            clean[field] = None
    if clean["start_date"] and clean["end_date"] and clean["end_date"] < clean["start_date"]:
        fail("end_date", f"kan inte vara före startdatum ({clean['start_date'].isoformat()}).")

    if clean["contact_email"] and not _EMAIL.match(clean["contact_email"]):
        fail("contact_email", f"\"{clean['contact_email']}\" är ingen giltig e-postadress.")

    # Imported here: the indicators package reaches the models, which validation must not.
    from ..indicators.data import clean_indicators
    clean["indicators"], problems = clean_indicators(data.get("indicators"))
    errors.extend(FieldError("indicators", problem) for problem in problems)

    if errors:
        raise ValidationError(errors)
    return clean
