"""The editors' page for the search vocabulary ("Sökord och synonymer"): what an editor does
there takes effect in a coordinator's next search, without a reindex."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest

from sqlalchemy import func, select

from knowledge.audit.models import AuditEvent
from knowledge.search.models import SearchTerm
from tests.conftest import fresh


@pytest.fixture(autouse=True)
def empty_vocabulary(db):
    """These tests build the vocabulary from nothing, as a city that loads its own list
    would, so that every count and listing they check is known (init-db's starter list is
    tested in test_search_language)."""
    db.query(SearchTerm).delete()
    db.commit()


def search_page(client, auth, text: str) -> str:
    """What a coordinator sees when searching; the editor is logged in again afterwards."""
    auth.logout()
    auth.login("coordinator")
    html = unescape(client.get("/cases", query_string={"q": text}).text)
    auth.logout()
    auth.login("editor")
    return html


def term_count(db) -> int:
    fresh(db)
    return db.scalar(select(func.count(SearchTerm.id)))


def the_term(db, term: str) -> SearchTerm:
    fresh(db)
    return db.scalar(select(SearchTerm).where(SearchTerm.term == term))


def listed_terms(html: str) -> str:
    """The list part of the page, without flash messages."""
    return html.split('id="vocabulary-results"', 1)[1]


def upload(client, text: str):
    return client.post("/sokord/import", data={"file": (io.BytesIO(text.encode()), "sokord.csv")},
                       content_type="multipart/form-data")


def test_a_synonym_added_changed_and_deleted_takes_effect_in_the_next_search(
        client, auth, db, users, published_case):
    published_case(title="Portvakter i entréerna på Fornbacken",
            summary="Bostadsbolaget anställde portvakter som fanns i husen kvällstid.")
    published_case(title="Vaktmästare som trygghetsvärdar i Bagarmossen",
            summary="Vaktmästarna fick utbildning i att möta oroliga boende.")
    auth.login("editor")
    assert "Portvakter i entréerna" not in search_page(client, auth, "concierge")

    page = client.get("/sokord")
    assert page.status_code == 200
    assert "Sökord och synonymer" in page.text
    assert "båda hållen" in page.text and "utan att något behöver byggas om" in page.text
    form = client.get("/sokord/ny")
    assert form.status_code == 200 and 'name="expansions"' in form.text

    added = client.post("/sokord/ny", data={"kind": "synonym", "term": "concierge",
                                             "expansions": "portvakt\nportvaktstjänst",
                                             "district": "", "note": "Ord från bolagen"})
    assert added.status_code == 303
    listed = unescape(client.get(added.headers["Location"]).text)
    assert "”concierge” är sparat och gäller i sökningen redan nu." in listed
    assert "portvakt, portvaktstjänst" in listed and "Ord från bolagen" in listed

    html = search_page(client, auth, "concierge")
    assert "Portvakter i entréerna" in html  # the case never says "concierge"
    assert "Sökte även på:" in html and "portvakt" in html

    term = the_term(db, "concierge")
    edit_page = client.get(f"/sokord/{term.id}")
    assert edit_page.status_code == 200 and "portvakt\nportvaktstjänst" in edit_page.text
    changed = client.post(f"/sokord/{term.id}", data={"kind": "synonym", "term": "concierge",
                                                       "expansions": "vaktmästare"})
    assert changed.status_code == 303
    html = search_page(client, auth, "concierge")
    assert "Vaktmästare som trygghetsvärdar" in html
    assert "Portvakter i entréerna" not in html

    confirm = client.get(f"/sokord/{term.id}/ta-bort")
    assert confirm.status_code == 200
    assert "Ta bort sökordet ”concierge”?" in unescape(confirm.text)
    assert the_term(db, "concierge") is not None  # asking is not deleting
    deleted = client.post(f"/sokord/{term.id}/ta-bort")
    assert deleted.status_code == 303
    assert "”concierge” är borttaget" in unescape(client.get("/sokord").text)
    assert the_term(db, "concierge") is None
    html = search_page(client, auth, "concierge")
    assert "Vaktmästare som trygghetsvärdar" not in html and "Sökte även på:" not in html


def test_a_long_list_of_added_words_shows_the_first_and_folds_the_rest(client, auth, db,
                                                                       users, published_case):
    # "narkotika" as a broader term adds dozens of drug names: a wall of words hides the
    # results. The first few are shown; the rest are one click away, in the page itself.
    narrower = ["cannabis", "hasch", "marijuana", "kokain", "amfetamin", "heroin", "ecstasy",
                "tramadol", "spice", "lustgas"]
    db.add(SearchTerm(kind="broader", term="narkotika", expansions=narrower, note=""))
    db.commit()
    auth.login("editor")
    html = search_page(client, auth, "narkotika")
    shown = html.split('class="hint search-expansions"', 1)[1].split("</div>", 1)[0]
    first, folded = shown.split("<details", 1)
    assert "cannabis, hasch, marijuana, kokain, amfetamin, heroin" in first
    assert "och 4 till" in folded and "ecstasy, tramadol, spice, lustgas" in folded
    assert "Sök bara på det du skrev" in shown


def test_a_place_finds_the_cases_of_its_district(client, auth, db, users, published_case):
    published_case(title="Sommarjobb för unga i Skärholmen", district="Skärholmen")
    auth.login("editor")
    assert client.post("/sokord/ny", data={"kind": "place", "term": "Sätraängen",
                                            "expansions": "", "district": "skarholmen"}
                       ).status_code == 303
    listed = unescape(client.get("/sokord?kind=place").text)
    assert "Sätraängen" in listed and "Skärholmen" in listed  # the district by its name
    assert "Sommarjobb för unga i Skärholmen" in search_page(client, auth, "Sätraängen")


def test_bad_input_is_refused_at_the_field_and_nothing_is_written(client, auth, db, users):
    auth.login("editor")
    before = term_count(db)
    cases_ = [
        ({"kind": "okänd", "term": "grannsamverkan", "expansions": "grannstöd"}, "kind",
         "Typ: välj en av"),
        ({"kind": "place", "term": "Sätraängen", "expansions": "", "district": ""}, "district",
         "Stadsdelsområde: ange det som platsen ligger i"),
        ({"kind": "synonym", "term": "grannsamverkan", "expansions": " \n ; "}, "expansions",
         "Ord som sökningen tar med: ange minst ett ord"),
        ({"kind": "synonym", "term": "", "expansions": "grannstöd"}, "term",
         "Sökord: ange sökordet"),
    ]
    for data, field, message in cases_:
        response = client.post("/sokord/ny", data=data)
        html = unescape(response.text)
        assert response.status_code == 422, data
        assert "Sökordet sparades inte. Rätta följande:" in html
        assert f'<a href="#{field}">{message}' in html  # in the summary, linked to the field
        assert f'<p class="field-error" id="{field}-error">{message}' in html
        assert f'aria-describedby="{field}-hint {field}-error"' in html
        assert term_count(db) == before
    # What was typed is kept, so nothing has to be typed again.
    refused = client.post("/sokord/ny", data={"kind": "synonym", "term": "grannsamverkan",
                                              "expansions": ""})
    assert 'value="grannsamverkan"' in refused.text

    # An htmx post gets the form back in place, still 422, still nothing written.
    swapped = client.post("/sokord/ny", data={"kind": "synonym", "term": "x"},
                          headers={"HX-Request": "true"})
    assert swapped.status_code == 422 and swapped.text.lstrip().startswith("<form")
    assert term_count(db) == before


def test_the_list_filters_by_kind_and_text_with_and_without_htmx(client, auth, db, users):
    auth.login("editor")
    client.post("/sokord/ny", data={"kind": "synonym", "term": "klotter",
                                    "expansions": "graffiti;tags"})
    client.post("/sokord/ny", data={"kind": "english", "term": "street art",
                                    "expansions": "gatukonst"})
    both = listed_terms(client.get("/sokord?q=graffiti").text)
    assert "klotter" in both and "street art" not in both
    english = listed_terms(client.get("/sokord?kind=english").text)
    assert "street art" in english and "klotter" not in english
    fragment = client.get("/sokord?q=gatukonst", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "street art" in fragment.text
    assert "1 sökord som innehåller ”gatukonst”." in unescape(fragment.text)
    assert 'hx-trigger="input changed delay:300ms, search"' in client.get("/sokord").text


def test_a_long_list_comes_in_pages_that_keep_the_filter(client, auth, db, users):
    # A city's whole list (the starter list is some 1 500 rows) on one page is a megabyte
    # of HTML: the editor gets 100 at a time, in order, and paging keeps kind and text.
    rows = "kind,term,expansions,district,note\n" + "".join(
        f"synonym,ord{number:03d},uttryck{number:03d},,\n" for number in range(1, 231))
    auth.login("editor")
    assert upload(client, rows).status_code in (200, 302, 303)
    first = unescape(client.get("/sokord?kind=synonym").text)
    assert "230 sökord av typen" in first and "Visar 1–100." in first
    assert "ord001" in first and "ord100" in first and "ord101" not in first
    assert "Sida 1 av 3" in first
    last = unescape(client.get("/sokord?kind=synonym&page=3").text)
    assert "Visar 201–230." in last and "ord230" in last and "ord200" not in last
    assert "/sokord?kind=synonym&page=2" in last  # "Föregående sida" keeps the filter
    # Past the end or nonsense: the nearest real page, never an error.
    assert "Sida 3 av 3" in unescape(client.get("/sokord?kind=synonym&page=99").text)
    assert "Sida 1 av 3" in unescape(client.get("/sokord?kind=synonym&page=x").text)
    # Saving an entry far down the list leads back to the page that holds it.
    saved = client.post("/sokord/ny", data={"kind": "synonym", "term": "ord999",
                                            "expansions": "uttryck999"})
    assert saved.headers["Location"].endswith(
        f"/sokord?kind=synonym&page=3#sokord-{the_term(db, 'ord999').id}")
    # A narrow filter fits one page and shows no pager.
    narrow = unescape(client.get("/sokord?q=uttryck12").text)
    assert "10 sökord som innehåller" in narrow and "Sida " not in narrow


def test_csv_import_is_all_or_nothing_and_lists_every_bad_row(client, auth, db, users):
    auth.login("editor")
    before = term_count(db)
    bad = ("kind,term,expansions,district,note\n"
           "synonym,langning,narkotikaförsäljning;försäljning av narkotika,,\n"
           "färg,lila,violett,,\n"
           "english,youth work,fritidsverksamhet;ungdomsarbete,,\n"
           "place,Hökarängen,,,\n")
    refused = upload(client, bad)
    html = unescape(refused.text)
    assert refused.status_code == 422
    assert "Ingenting importerades" in html
    assert "Rad 3: Typ: välj en av" in html and "(kolumnen kind)" in html
    assert "Rad 5: Stadsdelsområde: ange det som platsen ligger i" in html
    assert "Rad 2" not in html and "Rad 4" not in html
    assert term_count(db) == before  # the good rows were not imported either

    good = bad.replace("färg,lila,violett,,\n", "").replace("Hökarängen,,,",
                                                              "Hökarängen,,farsta,")
    imported = upload(client, good)
    assert imported.status_code == 303
    assert "3 nya, 0 ändrade, 0 oförändrade" in client.get("/sokord").text
    assert term_count(db) == before + 3
    assert the_term(db, "Hökarängen").district_slug == "farsta"

    # A file saved by Swedish Excel: semicolons, Windows-1252, one entry changed.
    excel = ("kind;term;expansions;district;note\r\n"
             "english;youth work;\"fritidsverksamhet;ungdomsarbete;fältarbete\";;\r\n")
    response = client.post("/sokord/import", data={
        "file": (io.BytesIO(excel.encode("cp1252")), "sokord.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert "0 nya, 1 ändrade, 0 oförändrade" in client.get("/sokord").text
    assert the_term(db, "youth work").expansions[-1] == "fältarbete"

    assert "Välj en CSV-fil" in client.post("/sokord/import", data={}).text


def test_export_then_import_round_trips_unchanged(client, auth, db, users):
    auth.login("editor")
    client.post("/sokord/ny", data={"kind": "abbreviation", "term": "SSPF",
                                    "expansions": "skola, socialtjänst, polis och fritid",
                                    "note": "Samverkan kring unga"})
    client.post("/sokord/ny", data={"kind": "place", "term": "Hagsätra",
                                    "district": "enskede-arsta-vantor"})
    client.post("/sokord/ny", data={"kind": "broader", "term": "narkotika",
                                    "expansions": "cannabis; kokain"})
    exported = client.get("/sokord/export.csv")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"] == "attachment; filename=sokord.csv"
    assert exported.mimetype == "text/csv"
    text = exported.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "kind,term,expansions,district,note"
    assert 'abbreviation,SSPF,"skola, socialtjänst, polis och fritid",,Samverkan kring unga' \
        in text
    count = term_count(db)
    again = client.post("/sokord/import", data={
        "file": (io.BytesIO(exported.data), "sokord.csv")}, content_type="multipart/form-data")
    assert again.status_code == 303
    assert f"0 nya, 0 ändrade, {count} oförändrade" in client.get("/sokord").text
    assert client.get("/sokord/export.csv").data == exported.data


def test_every_change_is_audited(client, auth, db, users):
    auth.login("editor")
    client.post("/sokord/ny", data={"kind": "synonym", "term": "snatteri",
                                    "expansions": "butiksstöld"})
    term = the_term(db, "snatteri")
    client.post(f"/sokord/{term.id}", data={"kind": "synonym", "term": "snatteri",
                                             "expansions": "butiksstöld\nstöld i butik"})
    client.post(f"/sokord/{term.id}/ta-bort")
    fresh(db)
    events = db.scalars(select(AuditEvent).where(AuditEvent.event.like("search_term%"))
                        .order_by(AuditEvent.id)).all()
    assert [e.event for e in events] == ["search_term_created", "search_term_saved",
                                         "search_term_deleted"]
    assert all(e.actor_id == users["editor"].id and e.target == "synonym: snatteri"
               for e in events)
    assert events[1].detail["before"]["expansions"] == ["butiksstöld"]
    assert events[1].detail["after"]["expansions"] == ["butiksstöld", "stöld i butik"]
    auth.logout()
    auth.login("admin")
    log = client.get("/admin/audit").text
    assert "Lade till sökord" in log and "Ändrade sökord" in log and "Tog bort sökord" in log


def test_editors_find_the_page_and_others_do_not(client, auth, db, users):
    auth.login("editor")
    assert 'href="/sokord"' in client.get("/").text
    assert 'href="/sokord"' in client.get("/taxonomy").text
    auth.logout()
    auth.login("coordinator")
    assert 'href="/sokord"' not in client.get("/").text
    assert client.get("/sokord").status_code == 403
    before = term_count(db)
    assert client.post("/sokord/ny", data={"kind": "synonym", "term": "a",
                                           "expansions": "b"}).status_code == 403
    assert term_count(db) == before


def test_every_form_carries_its_csrf_token(app, client, auth, db, users):
    auth.login("editor")
    app.config["WTF_CSRF_ENABLED"] = True

    def token(path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)

    before = term_count(db)
    form = {"kind": "synonym", "term": "klotter", "expansions": "graffiti"}
    assert client.post("/sokord/ny", data=form).status_code == 400
    assert client.post("/sokord/ny", data={**form, "csrf_token": token("/sokord/ny")}
                       ).status_code == 303
    term = the_term(db, "klotter")
    assert client.post(f"/sokord/{term.id}/ta-bort").status_code == 400
    assert the_term(db, "klotter") is not None
    csv_file = "kind,term,expansions\nsynonym,hot spots,brottsutsatta platser\n"
    assert upload(client, csv_file).status_code == 400
    assert term_count(db) == before + 1
    imported = client.post("/sokord/import", data={
        "file": (io.BytesIO(csv_file.encode()), "sokord.csv"), "csrf_token": token("/sokord")},
        content_type="multipart/form-data")
    assert imported.status_code == 303 and term_count(db) == before + 2
    deleted = client.post(f"/sokord/{term.id}/ta-bort",
                          data={"csrf_token": token(f"/sokord/{term.id}/ta-bort")})
    assert deleted.status_code == 303 and the_term(db, "klotter") is None
