"""Personal data check of case text, run before a case is submitted or published.

Cases are shared across the city and the police region, so their text must not identify
people. `scan_case_fields` looks through every free-text field of a case for Swedish personal
identity numbers (personnummer), coordination numbers (samordningsnummer), e-mail addresses
and phone numbers; `describe` turns the findings into Swedish messages naming the field.

What counts as a finding:

* personnummer / samordningsnummer: 10 or 12 digits (YYMMDD-NNNN, YYYYMMDD-NNNN, with '-',
  '+', a space or nothing between), not part of a longer number, with a real date that is not
  in the future (for a samordningsnummer the day is the birth day + 60) and a correct Luhn
  check digit. Dates, year ranges, amounts, diarienummer and organisation numbers (month 20
  or higher) are therefore not reported, nor are 10-digit numbers failing the check digit.
* e-mail addresses.
* phone numbers as `phonenumbers` finds them with region "SE" and leniency VALID: the number
  must be a valid, assigned-range number. POSSIBLE would report years, year ranges, amounts,
  dates and personnummer; STRICT_GROUPING and EXACT_GROUPING miss common Swedish groupings
  such as "0702-12 34 56" and "0771-567 567". A phone match overlapping a personnummer or an
  e-mail address is not reported again.

The case's own contact details are not findings: `contact_name` and `contact_email` are not
scanned, and an address or number in `allowed` (for a case: its contact e-mail and any e-mail
or phone number written in its contact name field) is not reported in the other fields.

Pure Python; no Flask.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Optional

import phonenumbers
from stdnum import luhn
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.se import personnummer

from .fields import LABELS, SCANNED_FIELDS

__all__ = ["Finding", "SCANNED_FIELDS", "scan_text", "scan_case_fields", "describe"]

_KIND_LABELS = {
    "personnummer": "personnummer",
    "samordningsnummer": "samordningsnummer",
    "email": "e-postadress",
    "phone": "telefonnummer",
}
# Swedish indefinite article and pronoun for each kind ("ett personnummer ... ta bort det").
_ARTICLE = {"personnummer": "ett", "samordningsnummer": "ett", "email": "en", "phone": "ett"}
_PRONOUN = {"personnummer": "det", "samordningsnummer": "det", "email": "den", "phone": "det"}

PHONE_LENIENCY = phonenumbers.Leniency.VALID
PHONE_REGION = "SE"


@dataclass(frozen=True)
class Finding:
    field: str        # case field name, e.g. "situation"
    kind: str         # "personnummer" | "samordningsnummer" | "email" | "phone"
    text: str         # the matched text as written
    start: int        # offsets in the field's text
    end: int

    @property
    def label(self) -> str:
        """The kind in Swedish: personnummer, samordningsnummer, e-postadress, telefonnummer."""
        return _KIND_LABELS[self.kind]


# --- personnummer and samordningsnummer ------------------------------------------------------

# Separators between date and serial: hyphen, plus, a space (also no-break space), and the
# dashes word processors substitute for a hyphen.
_SEPARATORS = "-+ \u00a0\u2010\u2011\u2013\u2212"
_ID_NUMBER = re.compile(
    r"(?<!\d)(?<!\d[-/.,:+\u2013])"          # not the tail of a longer number or reference
    r"(?P<century>1[89]|20)?(?P<date>\d{6})"
    r"(?P<sep>[" + re.escape(_SEPARATORS) + r"]?)"
    r"(?P<serial>\d{4})"
    r"(?!\d)(?![-/.,:+\u2013]\d)"             # nor the head of one
)


def _id_number_kind(century: Optional[str], date6: str, sep: str, serial: str,
                    today: date) -> Optional[str]:
    """'personnummer', 'samordningsnummer' or None for a candidate's parts."""
    sign = "+" if sep == "+" else "-"
    day = int(date6[4:6])
    if day > 60:
        kind = "samordningsnummer"
        # stdnum 2.2 knows no coordination numbers: check the date with the real day, and the
        # Luhn digit over the digits as written.
        dated = f"{century or ''}{date6[:4]}{day - 60:02d}{sign}{serial}"
        if not luhn.is_valid(date6 + serial):
            return None
    else:
        kind = "personnummer"
        dated = f"{century or ''}{date6}{sign}{serial}"
        if not personnummer.is_valid(dated):   # date and Luhn check
            return None
    try:
        born = personnummer.get_birth_date(dated)
    except _StdnumError:
        return None
    return kind if born <= today else None


def _id_numbers(text: str, today: date) -> Iterable[tuple[str, int, int]]:
    for match in _ID_NUMBER.finditer(text):
        kind = _id_number_kind(match["century"], match["date"], match["sep"], match["serial"],
                               today)
        if kind:
            yield kind, match.start(), match.end()


# --- e-mail and phone ---------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])"
)


def _phone_key(value: str) -> Optional[str]:
    """A phone number in E.164 form, for comparing numbers however they are written."""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _allowed_keys(allowed: Iterable[str]) -> tuple[set[str], set[str]]:
    emails: set[str] = set()
    phones: set[str] = set()
    for value in allowed:
        value = (value or "").strip()
        if not value:
            continue
        if "@" in value:
            emails.add(value.casefold())
        else:
            key = _phone_key(value)
            if key:
                phones.add(key)
    return emails, phones


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


# --- public API ---------------------------------------------------------------------------

def scan_text(text: str, field: str = "", *,
              allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Personal data in one text, in order of position.

    `allowed` holds e-mail addresses (compared case-insensitively) and phone numbers
    (compared in E.164 form) that are not findings, e.g. the case's own contact e-mail.
    """
    if not text:
        return []
    return _scan(text, field, date.today(), *_allowed_keys(allowed))


# A digit as the phone matcher and _ID_NUMBER see one (Unicode decimal digits, `\d`).
_DIGIT = re.compile(r"\d")


def _scan(text: str, field: str, today: date, allowed_emails: set[str],
          allowed_phones: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    skip: list[tuple[int, int]] = []       # allowed e-mail spans: nothing inside is reported
    taken: list[tuple[int, int]] = []      # reported spans a phone match must not overlap

    # Each search is skipped when the text lacks what every match needs (an "@"; a digit):
    # most fields of a case have no digit, and the phone matcher and the personnummer
    # pattern were most of an import's personal-data check. Findings are unchanged.
    for match in (_EMAIL.finditer(text) if "@" in text else ()):
        span = (match.start(), match.end())
        if match.group().casefold() in allowed_emails:
            skip.append(span)
            continue
        findings.append(Finding(field, "email", match.group(), *span))
        taken.append(span)

    if _DIGIT.search(text):
        for kind, start, end in _id_numbers(text, today):
            if _overlaps(start, end, skip):
                continue
            findings.append(Finding(field, kind, text[start:end], start, end))
            taken.append((start, end))

        for phone in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, PHONE_LENIENCY):
            start, end = phone.start, phone.end
            if _overlaps(start, end, skip) or _overlaps(start, end, taken):
                continue
            key = phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164)
            if key in allowed_phones:
                continue
            findings.append(Finding(field, "phone", phone.raw_string, start, end))

    findings.sort(key=lambda finding: (finding.start, finding.end))
    return findings


def _field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        # Indicators: their words (name, source, unit), not their numbers and dates, which
        # would read as phone numbers.
        return "; ".join(f"{item.get('name', '')}; {item.get('source', '')}; "
                         f"{item.get('unit', '')}" for item in value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value if item is not None)
    return str(value)


def scan_case_fields(fields: dict) -> list[Finding]:
    """Personal data in a case's text fields (as `knowledge.cases.lifecycle.case_fields` returns them).

    The contact fields are not scanned; the contact e-mail, and any e-mail address or phone
    number written in the contact name field, are allowed in the other fields.
    """
    contact_email = _field_text(fields.get("contact_email")).strip()
    contact_name = _field_text(fields.get("contact_name"))
    allowed = {contact_email} if contact_email else set()
    allowed.update(f.text for f in scan_text(contact_name, "contact_name")
                   if f.kind in ("email", "phone"))
    # The allowed addresses and numbers are parsed once for all fields, not once per field.
    today = date.today()
    allowed_emails, allowed_phones = _allowed_keys(allowed)
    findings: list[Finding] = []
    for field in SCANNED_FIELDS:
        text = _field_text(fields.get(field))
        if text:
            findings.extend(_scan(text, field, today, allowed_emails, allowed_phones))
    return findings


def describe(findings: list[Finding]) -> list[str]:
    """One Swedish message per finding, naming the field and quoting what was found.

    The match is quoted in full, unmasked: the message goes to the people who can already read
    the text, and they need the exact string to find it in a long field.
    """
    messages = []
    for finding in findings:
        label = LABELS.get(finding.field, finding.field) or "Texten"
        article, pronoun = _ARTICLE[finding.kind], _PRONOUN[finding.kind]
        message = (f'{label}: innehåller {article} {finding.label} ("{finding.text}"). '
                   f"Ta bort {pronoun} innan exemplet skickas.")
        if finding.kind in ("email", "phone"):
            message += " Kontaktuppgifter hör hemma i fälten för kontaktperson."
        messages.append(message)
    return messages
