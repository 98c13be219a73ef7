"""Every field of a case, declared once.

Validation, the case model's plain copy, the JSON/JSONL shape, the revision history, the
personal-data scan, the search document, the CSV/Excel export, the form and the case page
all read their lists from `FIELDS`. A new plain text field is one `CaseField(...)` line here,
its column in `knowledge.cases.models.Case` and a migration; everything else follows.

The order of `FIELDS` is the order of the JSON/JSONL export and the API (what the import
reads back), so new fields go where they belong in that shape, usually before the contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# Kinds: how a value is cleaned, stored and shown.
LINE = "line"          # one line of plain text (white space folded), at most SHORT_MAX
TEXT = "text"          # Markdown text, at most LONG_MAX
LIST = "list"          # a list of one-line texts ("a; b" or one per line in forms)
DATE = "date"          # ÅÅÅÅ-MM-DD
DISTRICT = "district"  # one district, by slug or name
AREAS = "areas"        # priority areas, by slug or name, at least one
EVIDENCE = "evidence"  # one evidence level, by slug or name
STATUS = "status"      # the review status (import only)
# Indicators with their follow-ups: a list of records kept in their own tables, cleaned,
# applied, shown and edited by knowledge.indicators (not a column of the case).
INDICATORS = "indicators"

# Required: ALWAYS even in a draft; TO_SUBMIT when the case is submitted (and in imports).
ALWAYS = "always"
TO_SUBMIT = "to_submit"

# Where the case page shows a field: its header; the facts list, as its own fact or as part
# of the period (start and end date) or the contact (name and e-mail); or a body section
# with the field's label as heading (Markdown rendered). None: not shown by itself.
HEADER, FACTS, PERIOD, CONTACT_FACT, BODY = "header", "facts", "period", "contact", "body"

# The form's fieldsets, in order.
BASICS = "Grunduppgifter"
SITUATION = "Lägesbild och orsaksanalys"
MEASURES = "Åtgärder och mål"
RESULTS = "Resultat och uppföljning"
ANALYSES = "Analyser"
CONTACT = "Kontakt"
FORM_SECTIONS = (BASICS, SITUATION, MEASURES, RESULTS, ANALYSES, CONTACT)
# The indicators' own fieldset (templates/indicators/_form_fields.html) follows this one.
INDICATORS_FORM_AFTER = RESULTS


@dataclass(frozen=True)
class CaseField:
    name: str
    label: str
    kind: str
    required: Optional[str] = None
    # The form: which fieldset (None: set by import and review, not by the form), the hint
    # under the label, the textarea's height, the input's type and extra attributes.
    form_section: Optional[str] = None
    hint: str = ""
    rows: int = 6
    input_type: str = "text"
    input_attributes: str = ""
    # Search: the index field the text goes into (title, summary, body; see
    # knowledge.search.documents.TEXT_FIELDS for their weights), and the place in the body
    # (long texts in that order are also where snippets are taken from).
    search_field: Optional[str] = None
    search_rank: int = 0
    # Scanned for personal identity numbers, e-mail addresses and phone numbers.
    scanned: bool = False
    # CSV/Excel export: the column's place (None: not a column) and its width in Excel.
    export_position: Optional[int] = None
    export_width: int = 30
    page_section: Optional[str] = None
    # The place within the section, where it differs from the declaration order.
    page_rank: int = 0
    # Put back when an earlier version is restored (status and the external id are not).
    restorable: bool = True


FIELDS: tuple[CaseField, ...] = (
    CaseField("title", "Rubrik", LINE, required=ALWAYS, form_section=BASICS,
              hint='Högst 200 tecken. Skriv vad som gjordes, t.ex. "Trygghetsvandringar med '
                   'boende i Rinkeby".',
              search_field="title", scanned=True, export_position=1, export_width=40,
              page_section=HEADER),
    CaseField("summary", "Sammanfattning", TEXT, required=TO_SUBMIT, form_section=BASICS,
              hint="En till tre meningar som sammanfattar arbetet och resultatet.", rows=3,
              search_field="summary", scanned=True, page_section=HEADER),
    CaseField("district", "Stadsdelsområde", DISTRICT, required=TO_SUBMIT,
              form_section=BASICS, export_position=2, export_width=20, page_section=HEADER),
    CaseField("priority_areas", "Prioriterade samverkansområden", AREAS, required=TO_SUBMIT,
              form_section=BASICS, export_position=3, export_width=40, page_section=HEADER),
    CaseField("organisation", "Organisation", LINE, form_section=BASICS,
              hint="Förvaltning, lokalpolisområde eller annan organisation som beskriver "
                   "exemplet.",
              search_field="body", search_rank=0, scanned=True, export_position=7,
              page_section=HEADER),
    CaseField("partners", "Samverkansparter", LIST, form_section=BASICS,
              hint="En samverkanspart per rad.", rows=3,
              search_field="body", search_rank=1, scanned=True, export_position=8,
              page_section=FACTS, page_rank=1),
    CaseField("target_group", "Målgrupp", TEXT, form_section=BASICS, rows=2,
              search_field="body", search_rank=8, scanned=True, page_section=BODY),
    CaseField("situation", "Lägesbild / problem", TEXT, form_section=SITUATION,
              hint="Vilket problem eller vilken situation utgick ni från? Vilka källor "
                   "byggde lägesbilden på?",
              search_field="body", search_rank=2, scanned=True, page_section=BODY),
    CaseField("cause_analysis", "Orsaksanalys", TEXT, form_section=SITUATION,
              hint="Varför uppstod problemet? Orsaksanalysen ska ligga till grund för "
                   "åtgärderna.",
              search_field="body", search_rank=6, scanned=True, page_section=BODY),
    CaseField("measures", "Åtgärder och genomförande", TEXT, form_section=MEASURES, rows=8,
              search_field="body", search_rank=3, scanned=True, page_section=BODY),
    CaseField("goals", "Mål", TEXT, form_section=MEASURES, rows=3,
              search_field="body", search_rank=7, scanned=True, page_section=BODY),
    CaseField("results", "Resultat och uppföljning", TEXT, form_section=RESULTS, rows=6,
              search_field="body", search_rank=4, scanned=True, export_position=9,
              export_width=60, page_section=BODY),
    CaseField("lessons", "Lärdomar", TEXT, form_section=RESULTS, rows=4,
              hint="Vad skulle ni göra annorlunda? Vad behöver den som vill göra likadant "
                   "veta?",
              search_field="body", search_rank=5, scanned=True, export_position=10,
              export_width=60, page_section=BODY),
    CaseField("gender_analysis", "Jämställdhetsanalys", TEXT, form_section=ANALYSES, rows=3,
              search_field="body", search_rank=9, scanned=True, page_section=BODY),
    CaseField("child_rights_analysis", "Barnrättsanalys", TEXT, form_section=ANALYSES,
              rows=3, search_field="body", search_rank=10, scanned=True, page_section=BODY),
    CaseField("evidence_level", "Kunskapsläge", EVIDENCE, form_section=RESULTS,
              export_position=4, export_width=20, page_section=FACTS),
    # Text, not type=date: a date field shows the browser's own format (MM/DD/YYYY in an
    # English browser), while the hint, the import and the case page all say ÅÅÅÅ-MM-DD.
    # The hints name the years allowed (knowledge.cases.validation.year_range).
    CaseField("start_date", "Startdatum", DATE, form_section=RESULTS,
              hint="ÅÅÅÅ-MM-DD, t.ex. 2025-03-31 (år %(first)s–%(last)s).",
              input_attributes=' inputmode="numeric" autocomplete="off" maxlength="10"',
              export_position=5, export_width=12, page_section=PERIOD),
    CaseField("end_date", "Slutdatum", DATE, form_section=RESULTS,
              hint="ÅÅÅÅ-MM-DD (år %(first)s–%(last)s). Lämna tomt om arbetet pågår.",
              input_attributes=' inputmode="numeric" autocomplete="off" maxlength="10"',
              export_position=6, export_width=12, page_section=PERIOD),
    CaseField("contact_name", "Kontaktperson", LINE, form_section=CONTACT,
              page_section=CONTACT_FACT),
    CaseField("contact_email", "Kontaktens e-post", LINE, form_section=CONTACT,
              input_type="email", page_section=CONTACT_FACT),
    # No form section or page section: the form and the case page show the indicators with
    # their own fragments (templates/indicators/); scanned for their words, not their numbers
    # (knowledge.cases.privacy).
    CaseField("indicators", "Indikatorer", INDICATORS, scanned=True),
    CaseField("external_id", "Externt id", LINE, restorable=False),
    CaseField("status", "Status", STATUS, restorable=False),
)

BY_NAME: dict[str, CaseField] = {field.name: field for field in FIELDS}

SHORT_MAX = 200
LONG_MAX = 20_000


def names(*, kind: Optional[str] = None, where=None) -> tuple[str, ...]:
    """Field names in declaration order, of one kind and/or passing `where`."""
    return tuple(f.name for f in FIELDS
                 if (kind is None or f.kind == kind) and (where is None or where(f)))


# The lists the rest of the code reads.
LABELS: dict[str, str] = {field.name: field.label for field in FIELDS}
CASE_FIELDS: tuple[str, ...] = names()
# The long Markdown fields besides the summary, in the order of the agreement's method.
LONG_TEXT_FIELDS = names(kind=TEXT, where=lambda f: f.required is None)
SHORT_TEXT_FIELDS = names(kind=LINE, where=lambda f: f.required is None)
LIST_FIELDS = names(where=lambda f: f.kind in (LIST, AREAS, INDICATORS))
DATE_FIELDS = names(kind=DATE)
# Copied as they are from clean input to the model (the rest need a lookup or a workflow).
PLAIN_FIELDS = names(where=lambda f: f.kind not in (DISTRICT, AREAS, STATUS, INDICATORS))
SCANNED_FIELDS = names(where=lambda f: f.scanned)
RESTORED_FIELDS = names(where=lambda f: f.restorable)
# Shown word by word in the history.
WORD_DIFF_FIELDS = names(kind=TEXT)
# What a person edits in the form; the external id and status are set by import and review.
FORM_FIELDS = names(where=lambda f: f.form_section is not None)


def search_body_fields() -> tuple[CaseField, ...]:
    """The fields whose text goes into the search index's body, in their order there."""
    return tuple(sorted((f for f in FIELDS if f.search_field == "body"),
                        key=lambda f: f.search_rank))


# Long texts in the body, in the order a search snippet prefers them after the summary.
BODY_TEXT_FIELDS = tuple(f.name for f in search_body_fields() if f.kind == TEXT)
# The export's case columns, in their order (the file adds the number and the link).
EXPORT_FIELDS: tuple[CaseField, ...] = tuple(sorted(
    (f for f in FIELDS if f.export_position is not None), key=lambda f: f.export_position or 0))


def form_sections() -> list[tuple[str, list[list[CaseField]]]]:
    """The form's fieldsets: (legend, rows of fields); dates that follow each other share a
    row (two columns)."""
    sections = []
    for legend in FORM_SECTIONS:
        rows: list[list[CaseField]] = []
        for field in FIELDS:
            if field.form_section != legend:
                continue
            if field.kind == DATE and rows and rows[-1][-1].kind == DATE:
                rows[-1].append(field)
            else:
                rows.append([field])
        sections.append((legend, rows))
    return sections


def page_fields(section: str) -> tuple[CaseField, ...]:
    """The fields the case page shows in a section (header, facts, body), in their order."""
    return tuple(sorted((f for f in FIELDS if f.page_section == section),
                        key=lambda f: f.page_rank))
