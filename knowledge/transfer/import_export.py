"""Import and export of cases: JSONL, and CSV as Excel writes it.

Import is all or nothing: every row goes through the same domain functions as the form, in
one transaction; if any row fails, the transaction is rolled back and every bad row is
reported with its line number, field and reason.
"""
from __future__ import annotations

import json
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import lifecycle as domain
from ..core.db import begin_write
from ..cases.edit_conflicts import EditConflict, check_version, parse_version
from .import_files import open_rows
from ..cases.models import Case, CaseRevision
from ..search.models import OutboxEntry
from ..accounts.models import User
from ..accounts.permissions import PermissionDenied
from ..taxonomy.reference import taxonomy_fixed
from ..cases.validation import LABELS, FieldError, ValidationError


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
    encoding: str = ""  # what the file was read as (knowledge/transfer/import_files.py)

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
    """Import every row or none: the rows are written inside a SAVEPOINT that is rolled back
    when any row has an error, so the caller's transaction goes on (and is committed by the
    caller) either way."""
    # The taxonomy is read once for the whole call, not once per row: the bench and the
    # demo loader call import_rows directly, and a read per row (5 queries) was about a
    # sixth of an import's time.
    with taxonomy_fixed(session):
        return _import_rows(session, user, rows, as_draft)


def _import_rows(session: Session, user: User, rows: Iterable[tuple[int, Any]],
                 as_draft: bool) -> ImportResult:
    result = ImportResult()
    seen_ids: dict[str, int] = {}
    begin_write(session)
    rows_written = session.begin_nested()
    for number, chunk in enumerate(_chunks(rows, LET_GO_EVERY)):
        if number:
            _let_go_of_written_cases(session)
        # The cases the chunk's rows name, read in one query instead of one per row. No
        # row can create or rename a case another row of the file names: a second row
        # with the same external id is refused below, and an import matches by that id.
        known = _cases_by_external_id(session, [row for _line, row in chunk])
        for line, row in chunk:
            _import_one(session, user, line, row, as_draft, result, seen_ids, known)
    if result.errors:
        rows_written.rollback()
        result.created = result.updated = result.unchanged = 0
    else:
        rows_written.commit()  # releases the savepoint; the caller's commit saves the rows
    return result


def _chunks(rows: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _import_one(session: Session, user: User, line: int, row: Any, as_draft: bool,
                result: ImportResult, seen_ids: dict[str, int],
                known: dict[str, Case]) -> None:
    """One row: written, or its errors added to `result`."""
    if isinstance(row, RowError):
        result.errors.append(row)
        return
    external_id = str(row.get("external_id") or "").strip()
    if external_id and external_id in seen_ids:
        result.errors.append(RowError(line, "external_id", (
            f"Externt id: \"{external_id}\" finns redan på rad {seen_ids[external_id]} "
            "i samma fil.")))
        return
    if external_id:
        seen_ids[external_id] = line
    try:
        _import_row(session, user, row, as_draft, result, known)
    except ValidationError as error:
        result.errors.extend(RowError(line, e.field, e.message) for e in error.errors)
    except EditConflict as conflict:
        changed = ", ".join(LABELS.get(f, f) for f in conflict.changed_fields())
        result.errors.append(RowError(line, "version", (
            f"Version: raden bygger på version {conflict.expected_version}, men exemplet "
            f"har ändrats sedan dess (nu version {conflict.current_version}; ändrat: "
            f"{changed}). Exportera på nytt, eller ta bort version från raden för att "
            "skriva över ändringarna.")))
    except (PermissionDenied, domain.InvalidTransition) as error:
        result.errors.append(RowError(line, "", str(error)))


# Rows after which the cases written so far are flushed to the database and dropped from
# the session: memory stays bounded however long the file, and the one transaction (all or
# nothing) is unchanged, as a rollback undoes flushed rows too.
LET_GO_EVERY = 500


def _let_go_of_written_cases(session: Session) -> None:
    session.flush()
    for thing in list(session.identity_map.values()):
        if isinstance(thing, (Case, CaseRevision, OutboxEntry)):
            session.expunge(thing)


def _import_row(session: Session, user: User, row: dict[str, Any], as_draft: bool,
                result: ImportResult, known: dict[str, Case]) -> None:
    # Not case fields: what the row is based on, and how it is to be filed.
    data = {k: v for k, v in row.items()
            if k not in ("status", "version", "personal_data_reason")}
    version = parse_version(row.get("version"))
    reason = str(row.get("personal_data_reason") or "").strip()
    status = "draft" if as_draft else (str(row.get("status") or "").strip().lower()
                                       or "published")
    if status not in domain.STATUS_LABELS:
        raise ValidationError([FieldError("status", (
            f"Status: okänt värde \"{status}\". Giltiga värden: "
            f"{', '.join(domain.STATUS_LABELS)}."))])
    existing = known.get(_external_id(data.get("external_id")))
    if existing is None:
        case = domain.create_case(session, user, data, action="imported")
        result.created += 1
    else:
        begin_write(session)
        domain.lock_case(session, existing)
        before = domain.case_fields(existing)
        # A row based on an older version must not undo a status change made since either.
        check_version(existing, version, {**data, "status": status}, before)
        case = domain.update_case(session, user, existing, data, action="imported",
                                  expected_version=version,
                                  personal_data_reason=reason)
        if domain.case_fields(case) != before or case.status != status:
            result.updated += 1
        else:
            result.unchanged += 1
    domain.file_case_status(session, user, case, status, personal_data_reason=reason)


def _external_id(value: Optional[Any]) -> str:
    return str(value).strip() if value else ""


def _cases_by_external_id(session: Session, rows: list[Any]) -> dict[str, Case]:
    """The existing cases that rows (dicts; RowErrors are skipped) name by external id."""
    wanted = {_external_id(row.get("external_id")) for row in rows if isinstance(row, dict)}
    wanted.discard("")
    if not wanted:
        return {}
    return {case.external_id or "": case for case in
            session.scalars(select(Case).where(Case.external_id.in_(wanted)))}


def export_cases(session: Session, path: str | Path) -> int:
    """Write every case as JSONL with the field names of docs/architecture.md; `import` reads it back.

    Each row carries the case's `version`, so that importing an edited export over the same
    database refuses rows whose case someone has changed since the export; and a case that
    an editor published despite personal data carries her recorded `personal_data_reason`,
    without which the import (which checks like publishing does) would refuse it.
    """
    count = 0
    reasons = domain.personal_data_reasons(session)
    with open(path, "w", encoding="utf-8") as out:
        for case in session.scalars(select(Case).order_by(Case.id)):
            row = {**domain.case_fields(case), "version": case.version}
            if case.id in reasons and domain.personal_data_in(case):
                row["personal_data_reason"] = reasons[case.id]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
