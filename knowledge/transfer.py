"""Import and export of cases: JSONL, and CSV as Excel writes it.

Import is all or nothing: every row goes through the same domain functions as the form, in
one transaction; if any row fails, the transaction is rolled back and every bad row is
reported with its line number, field and reason.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import cases as domain
from .import_files import open_rows
from .models import Case, User
from .permissions import PermissionDenied
from .taxonomy import taxonomy_fixed
from .validation import FieldError, ValidationError


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return self.message if self.line == 0 else f"rad {self.line}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""  # what the file was read as (knowledge/import_files.py)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, row) from a JSONL, CSV or Excel file; a row that cannot be parsed
    is yielded as a RowError so that it is reported beside the others (knowledge/import_files)."""
    rows, _encoding = open_rows(path, RowError)
    yield from rows


def import_file(session: Session, user: User, path: str | Path, *,
                as_draft: bool = False) -> ImportResult:
    rows, encoding = open_rows(path, RowError)
    with taxonomy_fixed(session):  # read once, not once per row
        result = import_rows(session, user, rows, as_draft=as_draft)
    result.encoding = encoding
    return result


def import_rows(session: Session, user: User, rows: Iterable[tuple[int, Any]], *,
                as_draft: bool = False) -> ImportResult:
    result = ImportResult()
    seen_ids: dict[str, int] = {}
    for line, row in rows:
        if isinstance(row, RowError):
            result.errors.append(row)
            continue
        external_id = str(row.get("external_id") or "").strip()
        if external_id and external_id in seen_ids:
            result.errors.append(RowError(line, "external_id", (
                f"Externt id: \"{external_id}\" finns redan på rad {seen_ids[external_id]} "
                "i samma fil.")))
            continue
        if external_id:
            seen_ids[external_id] = line
        try:
            _import_row(session, user, row, as_draft, result)
        except ValidationError as error:
            result.errors.extend(RowError(line, e.field, e.message) for e in error.errors)
        except (PermissionDenied, domain.InvalidTransition) as error:
            result.errors.append(RowError(line, "", str(error)))
    if result.errors:
        session.rollback()
        result.created = result.updated = result.unchanged = 0
    else:
        session.commit()
    return result


def _import_row(session: Session, user: User, row: dict[str, Any], as_draft: bool,
                result: ImportResult) -> None:
    data = {k: v for k, v in row.items() if k != "status"}
    status = "draft" if as_draft else (str(row.get("status") or "").strip().lower()
                                       or "published")
    if status not in domain.STATUS_LABELS:
        raise ValidationError([FieldError("status", (
            f"Status: okänt värde \"{status}\". Giltiga värden: "
            f"{', '.join(domain.STATUS_LABELS)}."))])
    existing = _case_by_external_id(session, data.get("external_id"))
    if existing is None:
        case = domain.create_case(session, user, data, action="imported", commit=False)
        result.created += 1
    else:
        before = domain.case_fields(existing)
        case = domain.update_case(session, user, existing, data, action="imported",
                                  commit=False)
        if domain.case_fields(case) != before or case.status != status:
            result.updated += 1
        else:
            result.unchanged += 1
    domain.file_case_status(session, user, case, status, commit=False)


def _case_by_external_id(session: Session, external_id: Optional[Any]) -> Optional[Case]:
    if not external_id or not str(external_id).strip():
        return None
    return session.scalar(select(Case).where(Case.external_id == str(external_id).strip()))


def export_cases(session: Session, path: str | Path) -> int:
    """Write every case as JSONL with the DESIGN.md field names; `import` reads it back."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for case in session.scalars(select(Case).order_by(Case.id)):
            out.write(json.dumps(domain.case_fields(case), ensure_ascii=False) + "\n")
            count += 1
    return count
