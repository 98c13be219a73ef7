"""SQL statements per case page: how many the page costs, counted with an SQLAlchemy event.

Builds a throw-away SQLite database (the test suite's migrated template) with one published
case that has a question, an answer, an adoption report, a theme and a few revisions, then
requests the case page as a reader, the author and an editor, and a fragment the exchange
posts answer with. Prints the statements per request; asserts nothing.

    .venv/bin/python bench/case_page_queries.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from knowledge.cases import lifecycle as cases  # noqa: E402
from knowledge.exchange import adoptions, questions  # noqa: E402
from knowledge.exchange import collections as collections_domain  # noqa: E402
from knowledge.accounts.users import create_user  # noqa: E402
from tests.conftest import PASSWORD, ROLE_EMAILS, case_data  # noqa: E402
from tests.databases import make_databases  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = make_databases(tmp / "databases").create(tmp)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INDEX_DIR": str(tmp / "index"),
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "erfarenhetsbanken.test"})
    session = app.extensions["db_sessionmaker"]()
    people = {key: create_user(session, email=email, role="staff" if key == "staff2" else key,
                               password=PASSWORD, name=key.capitalize())
              for key, email in ROLE_EMAILS.items()}
    case = cases.create_case(session, people["staff"], case_data(), submit=True)
    cases.publish_case(session, people["editor"], case)
    cases.update_case(session, people["editor"], case, {"goals": "Färre otrygga platser."})
    question = questions.ask_question(session, people["staff2"], case,
                                      {"body": "Hur fick ni med bostadsbolaget?"})
    questions.answer_question(session, people["staff"], question,
                              {"body": "Vi bjöd in dem från början."})
    adoptions.report_adoption(session, people["coordinator"], case, {
        "district": "Södermalm", "context": "Vi provade vid Medborgarplatsen.",
        "status": "pagar"})
    collection = collections_domain.create_collection(
        session, people["editor"], {"title": "Trygga platser", "introduction": "Exempel."})
    collections_domain.add_case(session, people["editor"], collection, str(case.id))
    session.commit()
    case_id = case.id
    session.close()

    statements = []
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute",
                 lambda *args, **kwargs: statements.append(args[2]))
    client = app.test_client()
    print("SQL statements per request (login and session bookkeeping included):")
    for who in ("staff2", "staff", "editor"):
        client.post("/login", data={"email": ROLE_EMAILS[who], "password": PASSWORD})
        client.get(f"/cases/{case_id}")  # warm: the first request loads the taxonomy cache
        statements.clear()
        response = client.get(f"/cases/{case_id}")
        assert response.status_code == 200, response.status_code
        print(f"  case page as {who:12} {len(statements):3}")
        if "-v" in sys.argv:
            print("\n".join("    " + " ".join(s.split())[:150] for s in statements))
        statements.clear()
        client.post(f"/cases/{case_id}/folj", headers={"HX-Request": "true"})
        print(f"  follow fragment as {who:6} {len(statements):3}")
        client.post("/logout")


if __name__ == "__main__":
    main()
