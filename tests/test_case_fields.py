"""The case-field registry (knowledge.case_fields) is the one list every other list reads."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import inspect

from knowledge import case_fields, cases
from knowledge.models import Case
from knowledge.privacy import SCANNED_FIELDS
from knowledge.export_files import EXPORT_COLUMNS
from knowledge.search.documents import case_document
from tests.conftest import case_data

# Columns that are the case's bookkeeping, not something a person fills in.
BOOKKEEPING = {"id", "district_id", "filed_district_id", "status", "version", "author_id",
               "review_comment", "featured_position", "featured_reason", "created_at",
               "updated_at", "submitted_at", "published_at", "archived_at"}


def test_every_content_column_of_a_case_is_declared_in_the_registry():
    columns = {column.key for column in inspect(Case).column_attrs} - BOOKKEEPING
    declared = set(case_fields.CASE_FIELDS) - {"district", "priority_areas", "status"}
    assert columns == declared


def test_the_case_page_heads_each_text_with_the_label_the_form_uses(client, auth, db, users):
    # The page once called "Lägesbild / problem" "Lägesbild och problem".
    case = cases.create_case(db, users["staff"], case_data())
    auth.login("staff")
    page = client.get(f"/cases/{case.id}").text
    form = client.get(f"/cases/{case.id}/edit").text
    headings = dict(re.findall(r'<h2 id="h-([a-z_]+)">([^<]*)</h2>', page))
    labels = dict(re.findall(r'<label for="([a-z_]+)">([^<*]*?)(?: \*)?</label>', form))
    assert headings["situation"] == "Lägesbild / problem"
    for name, heading in headings.items():
        assert unescape(heading) == unescape(labels[name]) == case_fields.LABELS[name]


def test_the_lists_follow_the_registry():
    assert SCANNED_FIELDS == case_fields.names(where=lambda f: f.scanned)
    assert EXPORT_COLUMNS == ("id", "title", "district", "priority_areas", "evidence_level",
                              "start_date", "end_date", "organisation", "partners", "results",
                              "lessons", "url")
    assert tuple(case_fields.FORM_FIELDS) == tuple(
        name for name in case_fields.CASE_FIELDS if name not in ("external_id", "status"))


def test_the_search_body_holds_organisation_partners_and_the_long_texts(db, users):
    case = cases.create_case(db, users["staff"], case_data())
    body = case_document(case)["body"]
    assert body.startswith("Järva stadsdelsförvaltning \nLokalpolisområde Rinkeby Familjebostäder")
    for name in case_fields.LONG_TEXT_FIELDS:
        assert getattr(case, name) in body
    assert case.summary not in body and case.contact_name not in body
