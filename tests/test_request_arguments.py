"""Request arguments are data, never instructions to url_for; odd ids in editor forms get a
clear answer, not a server error."""
from __future__ import annotations

import pytest

from knowledge.exchange.collections import create_collection

HUGE = str(10 ** 23)


@pytest.mark.parametrize("path", [
    "/cases?_anchor=x", "/cases?_external=1", "/cases?_scheme=javascript", "/cases?_method=GET",
    "/cases?q=trygg&_anchor=x&page=1", "/cases/export.xlsx?_external=1",
    "/cases/export.csv?_anchor=x", "/cases/export.xlsx?_scheme=ftp&district=jarva",
])
def test_url_for_keywords_in_the_query_are_plain_parameters(app, client, auth, db, users, path,
                                                             published_case):
    app.config["PER_PAGE"] = 1
    published_case("Exempel nummer 0"), published_case("Exempel nummer 1")
    auth.login("coordinator")
    response = client.get(path)
    assert response.status_code == 200
    if path.startswith("/cases?"):
        # The pager and export links carry the arguments on as arguments.
        assert 'rel="next"' in response.text
        name, value = path.split("?")[1].split("&")[-1 if "q=" not in path else 1].split("=")
        assert f"{name}={value}" in response.text.replace("&amp;", "&")


def test_the_search_link_in_om_uttaget_keeps_the_arguments_as_arguments(client, auth, users):
    import io
    from openpyxl import load_workbook
    auth.login("coordinator")
    response = client.get("/cases/export.xlsx?q=trygg&_external=1&_anchor=x")
    about = dict(row[:2] for row in load_workbook(io.BytesIO(response.data))["Om uttaget"]
                 .iter_rows(values_only=True))
    assert about["Sökningen"].startswith("http://erfarenhetsbanken.test/cases?")
    assert "_external=1" in about["Sökningen"] and "#" not in about["Sökningen"]


@pytest.mark.parametrize("path,data", [
    ("/taxonomy/districts/merge", {"sources": HUGE, "name": "Nytt område"}),
    ("/taxonomy/districts/merge", {"sources": "٣", "name": "Nytt område"}),
    ("/taxonomy/sets/{set}/mapping", {"map-{area}": HUGE}),
    ("/teman/{slug}/exempel", {"case": HUGE}),
    ("/teman/{slug}/exempel/" + HUGE + "/ta-bort", {}),
    ("/teman/{slug}/exempel/" + HUGE + "/flytta", {"direction": "up"}),
])
def test_out_of_range_ids_in_editor_forms_get_a_clear_answer(client, auth, db, users, path,
                                                             data):
    from datetime import date
    from knowledge.taxonomy import changes
    new_set = changes.start_area_set(db, users["editor"], "Ny", date(2027, 1, 1),
                                     [("ny", "Nytt")])
    area = changes.active_area_set(db).areas[0]
    collection = create_collection(db, users["editor"], {"title": "Sommar"})
    path = path.format(set=new_set.id, slug=collection.slug)
    data = {k.format(area=area.id): v for k, v in data.items()}
    auth.login("editor")
    response = client.post(path, data=data)
    assert response.status_code in (404, 422), response.text[:300]
    if response.status_code == 422:
        assert any(message in response.text for message in (
            "finns inte (längre)", "hör inte till den här revideringen",
            "numret eller adressen till ett publicerat exempel"))
