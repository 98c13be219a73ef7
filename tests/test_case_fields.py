"""The case-field registry (knowledge.cases.fields) is the one list every other list reads."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import inspect

from knowledge.cases import fields as case_fields, lifecycle as cases
from knowledge.cases.models import Case
from knowledge.cases.privacy import SCANNED_FIELDS
from knowledge.transfer.export_files import EXPORT_COLUMNS
from knowledge.search.documents import case_document
from tests.conftest import case_data

# Columns that are the case's bookkeeping, not something a person fills in.
BOOKKEEPING = {"id", "district_id", "filed_district_id", "status", "version", "author_id",
               "review_comment", "featured_position", "featured_reason", "created_at",
               "updated_at", "submitted_at", "published_at", "archived_at"}


def test_every_content_column_of_a_case_is_declared_in_the_registry():
    columns = {column.key for column in inspect(Case).column_attrs} - BOOKKEEPING
    # The district, the areas and the indicators are relations; the status is bookkeeping.
    declared = set(case_fields.CASE_FIELDS) - {"district", "priority_areas", "status",
                                               *case_fields.names(kind=case_fields.INDICATORS)}
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
                              "lessons", "measured", "improved", "url")
    # The indicators have their own fieldset in the form (templates/indicators/).
    assert tuple(case_fields.FORM_FIELDS) == tuple(
        name for name in case_fields.CASE_FIELDS
        if name not in ("external_id", "status", "indicators"))
    assert "indicators" in case_fields.RESTORED_FIELDS and "indicators" in SCANNED_FIELDS


def test_the_search_body_holds_organisation_partners_and_the_long_texts(db, users):
    case = cases.create_case(db, users["staff"], case_data())
    body = case_document(case)["body"]
    assert body.startswith("Järva stadsdelsförvaltning \nLokalpolisområde Rinkeby Familjebostäder")
    for name in case_fields.LONG_TEXT_FIELDS:
        assert getattr(case, name) in body
    assert case.summary not in body and case.contact_name not in body
