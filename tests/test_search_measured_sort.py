"""Search sorted "Mätta resultat först" (sort=measured): the cases with an indicator that has
a follow-up first, then the rest, each group in the order the search has without it."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from knowledge.accounts.users import issue_token
from knowledge.search import SearchRequest, search_cases
from tests.test_indicators import ROBBERIES, SAFE


@pytest.fixture
def walks(published_case):
    """Published oldest first, so "newest first" would put the unmeasured ones first."""
    return {
        "measured_old": published_case("Trygghetsvandring i Farsta", indicators=[ROBBERIES]),
        "measured": published_case("Trygghetsvandring i Bromma", indicators=[SAFE]),
        "baseline_only": published_case("Trygghetsvandring i Kista",
                                        indicators=[{**SAFE, "followups": []}]),
        "unmeasured": published_case("Trygghetsvandring i Rinkeby"),
    }


def ids(app, db, **request):
    result = search_cases(app.extensions["search_index"], db, SearchRequest(**request))
    return [found.case.id for found in result.results]


def split_by_measured(order, walks):
    measured = {walks["measured_old"].id, walks["measured"].id}
    return [i for i in order if i in measured] + [i for i in order if i not in measured]


@pytest.mark.parametrize("text", ["", "trygghetsvandring"])
def test_measured_first_keeps_the_usual_order_within_each_group(app, db, walks, text):
    usual = ids(app, db, text=text)       # newest first without a query, else relevance
    assert split_by_measured(usual, walks) != usual     # else the test would prove nothing
    measured_first = ids(app, db, text=text, sort="measured")
    assert measured_first == split_by_measured(usual, walks)
    assert set(measured_first[:2]) == {walks["measured_old"].id, walks["measured"].id}
    # Page by page the same order: the split is made before the page is cut.
    paged = [i for page in (1, 2, 3, 4)
             for i in ids(app, db, text=text, sort="measured", per_page=1, page=page)]
    assert paged == measured_first


def test_measured_first_within_a_filter_and_with_the_newest_order_without_a_query(
        app, db, walks):
    assert ids(app, db, sort="measured") == [
        walks["measured"].id, walks["measured_old"].id,          # newest first, measured
        walks["unmeasured"].id, walks["baseline_only"].id]       # then the rest, newest first
    assert ids(app, db, sort="measured", filters={"measured": ["nej"]}) == [
        walks["unmeasured"].id, walks["baseline_only"].id]


def test_the_api_sorts_measured_first_and_names_the_valid_sorts(client, db, users, walks):
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    body = client.get("/api/v1/cases?q=trygghetsvandring&sort=measured",
                      headers=headers).get_json()
    assert {r["id"] for r in body["results"][:2]} == {walks["measured_old"].id,
                                                      walks["measured"].id}
    assert body["total"] == 4
    refused = client.get("/api/v1/cases?sort=matt", headers=headers)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "error": 'sort: okänt värde "matt". Giltiga värden: relevance, newest, reused, '
                 'measured.', "field": "sort"}


def test_the_sort_menu_offers_measured_results_first(client, auth, walks):
    auth.login("coordinator")
    html = client.get("/cases?q=trygghetsvandring&sort=measured").get_data(as_text=True)
    assert '<option value="measured" selected>Mätta resultat först</option>' in html
    for value, label in (("relevance", "Mest relevant"), ("newest", "Senast publicerade"),
                         ("reused", "Mest återanvända")):
        assert f'<option value="{value}">{label}</option>' in html
    shown = html[html.index('id="traffar"'):]
    assert shown.index("Trygghetsvandring i Bromma") < shown.index("Trygghetsvandring i Rinkeby")
    assert shown.index("Trygghetsvandring i Farsta") < shown.index("Trygghetsvandring i Kista")
    # The page does not refuse a hand-edited value: it sorts by relevance.
    fallback = client.get("/cases?sort=matt")
    assert fallback.status_code == 200
    assert '<option value="relevance" selected>Mest relevant</option>' in fallback.text


@pytest.mark.parametrize("sort, named", [("reused", "mest återanvända"),
                                          ("measured", "mätta resultat först"),
                                          ("newest", "senast publicerade")])
def test_a_search_export_names_its_sort(client, auth, walks, sort, named):
    auth.login("coordinator")
    book = load_workbook(io.BytesIO(client.get(f"/cases/export.xlsx?sort={sort}").data))
    about = dict(row[:2] for row in book["Om uttaget"].iter_rows(values_only=True))
    assert about["Sortering"] == named
