"""The JSON API: bearer tokens, shapes, errors, visibility."""
from __future__ import annotations

import pytest

from knowledge.cases import lifecycle as cases
from knowledge.accounts.users import issue_token
from tests.conftest import case_data


@pytest.fixture
def published(db, users):
    made = []
    for title, district, areas in [("Nattvandrare i Skärholmen", "Skärholmen",
                                    ["unga-i-riskzon"]),
                                   ("Belysning vid Farsta strand", "Farsta",
                                    ["otrygga-platser"]),
                                   ("Föräldrastöd i Farsta", "Farsta",
                                    ["unga-i-riskzon", "kriminella-miljoer"])]:
        case = cases.create_case(db, users["staff"], case_data(
            title=title, district=district, priority_areas=areas,
            external_id=title.lower().replace(" ", "-")), submit=True)
        cases.publish_case(db, users["editor"], case)
        made.append(case)
    db.commit()  # the test is the caller: it commits
    return made


def bearer(db, user):
    return {"Authorization": f"Bearer {issue_token(db, user)}"}


def test_cli_token_works_and_only_its_hash_is_stored(runner, client, users, db):
    result = runner.invoke(args=["users", "token", "cecilia.samordnare@test.se"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("eb_")
    from sqlalchemy import select
    from knowledge.accounts.models import ApiToken
    assert token not in db.scalars(select(ApiToken.token_hash)).all()
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_missing_and_bad_tokens_get_401(client, users):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}
                      ).status_code == 401


def test_list_shape_and_filters(client, db, users, published):
    headers = bearer(db, users["coordinator"])
    body = client.get("/api/v1/cases?area=unga-i-riskzon&district=farsta",
                      headers=headers).json
    assert set(body) == {"total", "page", "results", "facets", "suggestion", "corrected_from",
                         "broadened", "complete", "expansions"}
    assert body["total"] == 1 and body["page"] == 1
    result = body["results"][0]
    assert set(result) == {"id", "external_id", "title", "url", "summary", "snippet",
                           "district", "priority_areas", "score"}
    assert result["title"] == "Föräldrastöd i Farsta"
    assert result["district"] == "farsta"
    assert result["priority_areas"] == ["unga-i-riskzon", "kriminella-miljoer"]
    assert result["url"].endswith(f"/cases/{result['id']}")


def test_pagination(client, db, users, published):
    headers = bearer(db, users["coordinator"])
    body = client.get("/api/v1/cases?per_page=2&page=2", headers=headers).json
    assert body["total"] == 3 and body["page"] == 2 and len(body["results"]) == 1


@pytest.mark.parametrize("query,field", [("per_page=0", "per_page"), ("per_page=1000", "per_page"),
                                         ("page=x", "page"), ("area=ungdomar", "area"),
                                         ("district=atlantis", "district")])
def test_bad_parameters_get_400_naming_the_field(client, db, users, query, field):
    response = client.get(f"/api/v1/cases?{query}", headers=bearer(db, users["coordinator"]))
    assert response.status_code == 400
    assert response.json["field"] == field
    assert response.json["error"].startswith(f"{field}:")


def test_one_case_with_all_fields(client, db, users, published):
    case = published[0]
    body = client.get(f"/api/v1/cases/{case.id}", headers=bearer(db, users["staff2"])).json
    expected = {**case_data(title=case.title, district="skarholmen",
                            priority_areas=["unga-i-riskzon"],
                            external_id=case.external_id), "status": "published"}
    for field, value in expected.items():
        assert body[field] == value, field
    assert body["version"] == case.version


def test_drafts_are_not_visible_to_others_through_the_api(client, db, users):
    draft = cases.create_case(db, users["staff"], case_data())
    assert client.get(f"/api/v1/cases/{draft.id}", headers=bearer(db, users["staff2"])
                      ).status_code == 404
    assert client.get(f"/api/v1/cases/{draft.id}", headers=bearer(db, users["staff"])
                      ).status_code == 200
    body = client.get("/api/v1/cases", headers=bearer(db, users["staff"])).json
    assert body["total"] == 0  # lists show published cases only
    assert client.get("/api/v1/cases/99999", headers=bearer(db, users["staff"])
                      ).status_code == 404


def test_deactivated_users_token_stops_working(client, db, users):
    headers = bearer(db, users["coordinator"])
    users["coordinator"].active = False
    db.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
