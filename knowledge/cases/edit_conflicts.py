"""Optimistic locking for case edits: a form (or an import row) names the version it was
based on, and a save based on an older version is refused instead of silently overwriting.

The revisions record the version each change produced, so what the person had in front of
her can be rebuilt: fields only someone else changed take the saved text, fields only she
changed keep hers, and a field both changed keeps hers with the saved text shown beside it.
Nothing she typed is lost and nothing someone else saved is overwritten unseen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from .models import Case, CaseRevision
from .validation import FieldError, ValidationError, split_list


@dataclass(frozen=True)
class ChangeSince:
    """One save by someone else since the person's version: who, when, which fields."""

    who: str
    at: datetime
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FieldConflict:
    field: str
    yours: Any           # what the person sent
    saved: Any           # what is saved now
    both_changed: bool   # False: only someone else changed it, and the saved text was taken


@dataclass(eq=False)
class EditConflict(Exception):
    """The case was saved by someone else after `expected_version` (message in Swedish)."""

    case_id: int
    expected_version: int
    current_version: int
    base: dict[str, Any]                 # the fields as the person opened them
    saved: dict[str, Any]                # the fields as saved now
    changes_since: list[ChangeSince] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"Version: exemplet har sparats av någon annan sedan version "
                f"{self.expected_version} (nu version {self.current_version}).")

    def changed_fields(self) -> list[str]:
        return [f for f in self.saved
                if _comparable(f, self.saved[f]) != _comparable(f, self.base.get(f))]

    def merge(self, yours: dict[str, Any]) -> tuple[dict[str, Any], list[FieldConflict]]:
        """The values to show in the form again, and what changed per field."""
        values = dict(yours)
        conflicts = []
        for name in self.changed_fields():
            if name not in yours:
                continue
            mine = _comparable(name, yours[name])
            if mine == _comparable(name, self.saved[name]):
                continue  # both made the same change
            both = mine != _comparable(name, self.base.get(name))
            if not both:
                values[name] = self.saved[name]
            conflicts.append(FieldConflict(name, yours[name], self.saved[name], both))
        return values, conflicts


def parse_version(value: Any) -> Optional[int]:
    """The version a form or import row was based on; None when it names none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 1:
        raise ValidationError([FieldError(
            "version", f"Version: \"{value}\" är inget versionsnummer (ett heltal från 1, "
                       "som exporten skriver).")])
    return number


def check_version(case: Case, expected: Optional[int], data: dict[str, Any],
                  current: dict[str, Any]) -> None:
    """Raise EditConflict when `data` was based on an older version and someone else has
    since changed a field that `data` sets. (So a highlight on the start page, or a status
    change when `data` sets no status, is no reason to refuse an edit of the text.)"""
    if expected is None or expected >= case.version:
        return
    conflict = EditConflict(case.id, expected, case.version,
                            fields_at_version(case, expected, current), current,
                            _changes_since(case, expected))
    if any(name in data for name in conflict.changed_fields()):
        raise conflict


def fields_at_version(case: Case, version: int, current: dict[str, Any]) -> dict[str, Any]:
    """The fields as they were at `version`: today's values, with every later change undone."""
    state = dict(current)
    for revision in reversed(case.revisions):
        if not _after(revision, version):
            break
        for name, pair in (revision.changes or {}).items():
            state[name] = pair[0]
    return state


def _after(revision: CaseRevision, version: int) -> bool:
    return revision.case_version is not None and revision.case_version > version


def _changes_since(case: Case, version: int) -> list[ChangeSince]:
    return [ChangeSince(r.user.display_name if r.user else "Systemet", r.created_at,
                        tuple(r.changes or {}))
            for r in case.revisions if _after(r, version)]


def _comparable(name: str, value: Any) -> Any:
    if name in ("partners", "priority_areas"):
        return tuple(split_list(value))
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()
