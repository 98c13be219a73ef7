"""The editable search vocabulary ("Sökord och synonymer"): storage, editing, CSV, and the
compiled form that query analysis looks words up in.

Entries are expanded at query time (never written into the index), so an editor's change
takes effect at the next search in every worker without a reindex; each worker notices a
change by a cheap stamp query (count and newest change) before a search.

The starter vocabulary is a CSV file beside this module, loaded by `init-db` into an empty
table; from then on the table is the city's own and editors maintain it in the app.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..taxonomy.models import District
from .models import SearchTerm
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import require_editor
from ..cases.validation import FieldError, ValidationError, strip_control
from .analysis import query_tokens

STARTER_FILE = Path(__file__).with_name("vocabulary.csv")
CSV_COLUMNS = ("kind", "term", "expansions", "district", "note")

KINDS = {
    "synonym": "Synonymer (likvärdiga ord)",
    "broader": "Överordnat begrepp → underordnade",
    "abbreviation": "Förkortning eller programnamn",
    "english": "Engelsk term",
    "place": "Plats → stadsdelsområde",
}
# What the search adds is shown to people as "Sökte även på: …"; these say why.
KIND_REASONS = {
    "synonym": "synonym",
    "broader": "underordnat begrepp",
    "abbreviation": "förkortning",
    "english": "svensk motsvarighet",
    "place": "plats i stadsdelsområdet",
    "split": "delar av ordet",
    "head": "sista ordledet",
    "first": "första ordledet",
    "upward": "överordnat begrepp",
}
TERM_MAX = 200
MAX_EXPANSIONS = 30
# Field names as the editors' form shows them; every message starts with one (the
# convention of knowledge/cases/validation.py), so a message read out of context, in the error
# summary or in a list of CSV errors, still says which field it is about.
LABELS = {
    "kind": "Typ",
    "term": "Sökord",
    "expansions": "Ord som sökningen tar med",
    "district": "Stadsdelsområde",
    "note": "Anteckning",
}


# --- editing ------------------------------------------------------------------------------

@dataclass
class TermInput:
    kind: str
    term: str
    expansions: list[str] = field(default_factory=list)
    district: str = ""
    note: str = ""


def clean_term_input(session: Session, raw: TermInput, taxonomy=None) -> TermInput:
    """Validate one entry; raises ValidationError naming each field and the valid values."""
    errors: list[FieldError] = []
    kind = strip_control(raw.kind or "").strip().lower()
    term = " ".join(strip_control(raw.term or "").split())
    expansions: list[str] = []
    for value in raw.expansions:
        value = " ".join(strip_control(value or "").split())
        if value and value.lower() not in {e.lower() for e in expansions} \
                and value.lower() != term.lower():
            expansions.append(value[:TERM_MAX])
    district = strip_control(raw.district or "").strip()
    if kind not in KINDS:
        # "synonym (synonymer)": the code a CSV file uses, and the name the form shows.
        errors.append(FieldError("kind", "Typ: välj en av "
                                 + ", ".join(f"{k} ({label.split(' (')[0].split(' →')[0]})"
                                             .lower() for k, label in KINDS.items())
                                 + "."))
    if not term:
        errors.append(FieldError("term", "Sökord: ange sökordet."))
    elif len(term) > TERM_MAX:
        errors.append(FieldError("term", f"Sökord: högst {TERM_MAX} tecken."))
    elif not query_tokens(term):
        errors.append(FieldError("term", "Sökord: måste innehålla minst ett ord "
                                         "(bokstäver eller siffror)."))
    if len(expansions) > MAX_EXPANSIONS:
        errors.append(FieldError("expansions", f"{LABELS['expansions']}: högst "
                                               f"{MAX_EXPANSIONS} ord per sökord."))
    if kind in ("synonym", "broader", "abbreviation", "english") and not expansions:
        errors.append(FieldError("expansions", f"{LABELS['expansions']}: ange minst ett ord "
                                               "(ett per rad, eller skilj dem åt med "
                                               "semikolon)."))
    if kind == "place":
        found = _find_district(session, district, taxonomy)
        if found is None:
            active = session.scalars(select(District).where(District.active)
                                     .order_by(District.name))
            errors.append(FieldError("district", "Stadsdelsområde: ange det som platsen "
                                     "ligger i, ett av: "
                                     + ", ".join(f"{d.name} ({d.slug})" for d in active)
                                     + "."))
        else:
            district = found.slug
    elif district:
        errors.append(FieldError("district", "Stadsdelsområde: anges bara för platser "
                                             "(typen plats)."))
    if errors:
        raise ValidationError(errors)
    return TermInput(kind=kind, term=term, expansions=expansions,
                     district=district if kind == "place" else "",
                     note=" ".join(strip_control(raw.note or "").split())[:500])


def _find_district(session: Session, value: str, taxonomy=None) -> Optional[District]:
    from ..taxonomy.reference import current_taxonomy  # the taxonomy resolves old names and slugs

    if not value:
        return None
    return (taxonomy or current_taxonomy(session)).find_district(value)


def list_terms(session: Session, kind: Optional[str] = None,
               text: str = "") -> list[SearchTerm]:
    query = select(SearchTerm).order_by(SearchTerm.kind, func.lower(SearchTerm.term))
    if kind:
        query = query.where(SearchTerm.kind == kind)
    rows = list(session.scalars(query))
    if text:
        needle = text.lower()
        rows = [r for r in rows if needle in r.term.lower()
                or any(needle in e.lower() for e in r.expansions)]
    return rows


def get_term(session: Session, term_id: int) -> Optional[SearchTerm]:
    return session.get(SearchTerm, term_id)


def save_term(session: Session, actor: User, raw: TermInput,
              term_id: Optional[int] = None) -> SearchTerm:
    """Create (term_id None) or change an entry. Flushes; the caller commits."""
    actor = require_editor(actor)
    clean = clean_term_input(session, raw)
    row = session.get(SearchTerm, term_id) if term_id is not None else None
    if term_id is not None and row is None:
        raise ValidationError([FieldError("term", "Sökord: finns inte längre (någon har "
                                                  "tagit bort det).")])
    clash = session.scalar(select(SearchTerm).where(SearchTerm.kind == clean.kind,
                                                    SearchTerm.term == clean.term))
    if clash is not None and clash is not row:
        raise ValidationError([FieldError("term", f"Sökord: ”{clean.term}” finns redan "
                                                  f"med typen {KINDS[clean.kind].lower()}. "
                                                  "Ändra det i stället.")])
    before = _as_dict(row) if row is not None else None
    if row is None:
        row = SearchTerm(kind=clean.kind, term=clean.term)
        session.add(row)
    row.kind, row.term, row.expansions = clean.kind, clean.term, clean.expansions
    row.district_slug = clean.district or None
    row.note = clean.note
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    session.flush()
    record_event(session, "search_term_saved" if before else "search_term_created",
                 actor=actor, target=f"{row.kind}: {row.term}",
                 detail={"before": before, "after": _as_dict(row)})
    return row


def delete_term(session: Session, actor: User, term_id: int) -> None:
    actor = require_editor(actor)
    row = session.get(SearchTerm, term_id)
    if row is None:
        return
    record_event(session, "search_term_deleted", actor=actor, target=f"{row.kind}: {row.term}",
                 detail={"before": _as_dict(row)})
    session.delete(row)
    session.flush()


def _as_dict(row: SearchTerm) -> dict:
    return {"kind": row.kind, "term": row.term, "expansions": list(row.expansions or []),
            "district": row.district_slug or ""}


# --- CSV ----------------------------------------------------------------------------------

@dataclass
class VocabularyImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


EXTRA_FIELDS = "__extra__"  # a row with more fields than the header: values are misplaced


def _delimiter(text: str) -> str:
    """Comma as exported; semicolon as Swedish Excel saves. The header row decides (its
    column names contain neither), so expansions separated by ';' do not confuse it."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def read_csv(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for each row that has anything in it; column names lower-case."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text),
                            restkey=EXTRA_FIELDS)
    for row in reader:
        values = {k.strip().lower(): (v or "") for k, v in row.items()
                  if k and k != EXTRA_FIELDS}
        if any(v.strip() for v in values.values()):  # Excel leaves rows of empty fields
            if any((v or "").strip() for v in row.get(EXTRA_FIELDS) or []):
                values[EXTRA_FIELDS] = "1"
            yield reader.line_num, values


def import_csv(session: Session, actor: User, text: str) -> VocabularyImport:
    """Add or update entries from CSV (columns kind, term, expansions, district, note;
    expansions separated by ';'). All or nothing: any bad row and nothing is changed."""
    actor = require_editor(actor)
    result = VocabularyImport()
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text)),
                  [])
    columns = {h.strip().lower() for h in header}
    if not {"kind", "term"} <= columns:
        result.errors.append("Filen saknar kolumnerna kind och term. Första raden ska vara: "
                             + ",".join(CSV_COLUMNS))
        return result
    unknown = columns - set(CSV_COLUMNS) - {""}
    if unknown:
        result.errors.append(f"Okända kolumner: {', '.join(sorted(unknown))}. Giltiga: "
                             + ", ".join(CSV_COLUMNS) + ".")
        return result
    existing = {(r.kind, r.term): r for r in session.scalars(select(SearchTerm))}
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[TermInput, Optional[SearchTerm]]] = []
    try:
        rows = list(read_csv(text))
    except csv.Error as error:  # e.g. a quote never closed: the rest is one huge field
        result.errors.append(f"Filen gick inte att läsa som CSV ({error}). Kontrollera "
                             "citattecknen.")
        return result
    from ..taxonomy.reference import current_taxonomy
    taxonomy = current_taxonomy(session)   # read once, not once per place row
    for line, row in rows:
        if row.get(EXTRA_FIELDS):
            result.errors.append(f"Rad {line}: fler fält än rubrikraden har kolumner. Ett "
                                 f"värde som innehåller avgränsaren ”{_delimiter(text)}” "
                                 "måste stå inom citattecken, t.ex. "
                                 "\"butiksstöld;stöld i butik\".")
            continue
        raw = TermInput(kind=row.get("kind", ""), term=row.get("term", ""),
                        expansions=[e for e in row.get("expansions", "").split(";")],
                        district=row.get("district", ""), note=row.get("note", ""))
        try:
            clean = clean_term_input(session, raw, taxonomy)
        except ValidationError as error:
            result.errors.extend(f"Rad {line}: {e.message} (kolumnen {e.field})"
                                 for e in error.errors)
            continue
        key = (clean.kind, clean.term)
        if key in seen:
            result.errors.append(f"Rad {line}: ”{clean.term}” ({clean.kind}) finns två "
                                 "gånger i filen.")
            continue
        seen.add(key)
        pending.append((clean, existing.get(key)))
    if result.errors:
        return result
    now = utcnow()
    for clean, stored in pending:
        if stored is not None and (stored.expansions == clean.expansions
                                   and (stored.district_slug or "") == clean.district
                                   and stored.note == clean.note):
            result.unchanged += 1
            continue
        if stored is None:
            stored = SearchTerm(kind=clean.kind, term=clean.term)
            session.add(stored)
            result.created += 1
        else:
            result.updated += 1
        stored.expansions, stored.district_slug, stored.note = \
            clean.expansions, clean.district or None, clean.note
        stored.updated_at, stored.updated_by_id = now, actor.id
    session.flush()
    record_event(session, "search_terms_imported", actor=actor,
                 detail={"created": result.created, "updated": result.updated,
                         "unchanged": result.unchanged})
    return result


def export_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in list_terms(session):
        writer.writerow([row.kind, row.term, ";".join(row.expansions or []),
                         row.district_slug or "", row.note or ""])
    return out.getvalue()


def load_starter_vocabulary(session: Session, path: Path = STARTER_FILE) -> int:
    """Fill an empty vocabulary from the starter file (at init-db). Never touches a
    vocabulary that editors have begun to maintain. Returns the number of entries loaded."""
    if session.scalar(select(SearchTerm.id).limit(1)) is not None or not path.exists():
        return 0
    known = {d.slug for d in session.scalars(select(District))}
    count = 0
    seen: set[tuple[str, str]] = set()
    for _line, row in read_csv(path.read_text(encoding="utf-8")):
        kind, term = row.get("kind", "").strip(), " ".join(row.get("term", "").split())
        district = row.get("district", "").strip() or None
        if kind not in KINDS or not term or (kind, term) in seen:
            continue
        if kind == "place" and district not in known:
            continue
        seen.add((kind, term))
        expansions = [" ".join(e.split()) for e in row.get("expansions", "").split(";")
                      if e.strip()]
        session.add(SearchTerm(kind=kind, term=term, expansions=expansions,
                               district_slug=district if kind == "place" else None,
                               note=row.get("note", "").strip()))
        count += 1
    session.flush()
    return count
