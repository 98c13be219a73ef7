"""Demo users and demo cases for `make run` and `flask --app app demo-data`.

The cases in demo_data/cases.jsonl were written for this project and are fictional.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import lifecycle as domain
from .districts.demo import load_demo_districts
from .cases.models import Case
from .accounts.models import User
from .transfer.import_export import import_rows, read_rows
from .accounts.users import create_user, system_user

DEMO_CASES = Path(__file__).parent / "demo_data" / "cases.jsonl"
DEMO_PASSWORD = "erfarenhet-demo"
DEMO_USERS = [
    ("medarbetare@exempel.se", "staff", "Maria Medarbetare"),
    ("samordnare@exempel.se", "coordinator", "Samir Samordnare"),
    ("redaktor@exempel.se", "editor", "Rebecka Redaktör"),
    ("admin@exempel.se", "admin", "Adam Systemförvaltare"),
]


def load_demo_data(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo users and cases on an empty database; return (email, role, password).

    Does nothing (and returns []) when there already are cases or users: demo data must
    never mix into real data.
    """
    has_cases = session.scalar(select(func.count(Case.id)))
    has_users = session.scalar(select(func.count(User.id)).where(
        User.password_hash.is_not(None)))
    if has_cases or has_users:
        return []
    users = {role: create_user(session, email=email, role=role, password=DEMO_PASSWORD,
                               name=name)
             for email, role, name in DEMO_USERS}
    rows = list(read_rows(DEMO_CASES))
    # The drafts are the demo staff member's own, so she has something on her start page.
    for _line, row in rows:
        if row.get("status") == "draft":
            domain.create_case(session, users["staff"], {k: v for k, v in row.items()
                                                          if k != "status"})
    result = import_rows(session, system_user(session),
                         [(line, row) for line, row in rows if row.get("status") != "draft"])
    if not result.ok:
        raise RuntimeError("Demodata kunde inte läsas in: " + "; ".join(map(str, result.errors)))
    load_demo_districts(session, users["coordinator"], users["staff"])
    session.commit()  # import_rows committed the cases; this commits the district demo
    return [(email, role, DEMO_PASSWORD) for email, role, _name in DEMO_USERS]
