"""Every validation message: Swedish, naming the field, listing valid values where there are."""
from __future__ import annotations

import pytest

from knowledge.taxonomy.reference import current_taxonomy
from knowledge.cases.validation import ValidationError, clean_case_input
from tests.conftest import case_data


@pytest.fixture
def taxonomy(db):
    return current_taxonomy(db)


def errors_for(taxonomy, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        clean_case_input(case_data(**overrides), taxonomy)
    return raised.value.by_field()


def test_valid_input_is_cleaned(taxonomy):
    clean = clean_case_input(case_data(district="jarva", priority_areas="Otrygga och "
                             "brottsutsatta platser; unga-i-riskzon", partners="A; B\nC"),
                             taxonomy)
    assert clean["district"].slug == "jarva"
    assert [a.slug for a in clean["priority_areas"]] == ["otrygga-platser", "unga-i-riskzon"]
    assert clean["partners"] == ["A", "B", "C"]
    assert clean["start_date"].isoformat() == "2024-02-01"


@pytest.mark.parametrize("value", ["Järva", "JÄRVA", "jarva", " järva "])
def test_district_by_name_or_slug_in_any_case(taxonomy, value):
    assert clean_case_input(case_data(district=value), taxonomy)["district"].slug == "jarva"


@pytest.mark.parametrize("field,label", [("title", "Rubrik"), ("summary", "Sammanfattning")])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None])
def test_required_text_fields_and_whitespace_only(taxonomy, field, label, blank):
    assert errors_for(taxonomy, **{field: blank})[field] == [f"{label}: måste fyllas i."]


def test_unknown_district_lists_the_valid_ones(taxonomy):
    message = errors_for(taxonomy, district="Rinkeby-Kistaa")["district"][0]
    assert message.startswith('Stadsdelsområde: okänt värde "Rinkeby-Kistaa". Giltiga värden: ')
    assert "Järva" in message and "Stadsövergripande" in message


def test_missing_district(taxonomy):
    assert errors_for(taxonomy, district="")["district"][0].startswith(
        "Stadsdelsområde: måste anges. Giltiga värden: Järva")


def test_unknown_and_missing_priority_area(taxonomy):
    message = errors_for(taxonomy, priority_areas=["ungdomar"])["priority_areas"][0]
    assert 'okänt värde "ungdomar"' in message and "unga-i-riskzon (Unga i riskzon" in message
    assert errors_for(taxonomy, priority_areas=[])["priority_areas"][0].startswith(
        "Prioriterade samverkansområden: välj minst ett. Giltiga värden: unga-i-riskzon")


def test_unknown_evidence_level(taxonomy):
    message = errors_for(taxonomy, evidence_level="bra")["evidence_level"][0]
    assert message == ('Kunskapsläge: okänt värde "bra". Giltiga värden: ej-utvarderad '
                       '(Ej utvärderad), uppfoljd (Uppföljd), utvarderad-internt (Utvärderad '
                       'internt), utvarderad-externt (Utvärderad externt).')


@pytest.mark.parametrize("bad", ["2025-02-30", "31/12/2025", "2025-1-1", "igår"])
def test_dates_must_be_real_iso_dates(taxonomy, bad):
    assert errors_for(taxonomy, start_date=bad)["start_date"] == [
        f'Startdatum: "{bad}" är inte ett giltigt datum. Skriv det som ÅÅÅÅ-MM-DD, '
        't.ex. 2025-03-31.']


def test_end_before_start(taxonomy):
    assert errors_for(taxonomy, start_date="2025-05-01", end_date="2025-04-30")["end_date"] == [
        "Slutdatum: kan inte vara före startdatum (2025-05-01)."]


def test_lengths(taxonomy):
    assert errors_for(taxonomy, title="x" * 201)["title"] == [
        "Rubrik: får vara högst 200 tecken (nu 201)."]
    assert errors_for(taxonomy, measures="x" * 20_001)["measures"] == [
        "Åtgärder och genomförande: får vara högst 20000 tecken (nu 20001)."]
    clean_case_input(case_data(title="x" * 200, measures="x" * 20_000), taxonomy)


def test_contact_email(taxonomy):
    assert errors_for(taxonomy, contact_email="kim@")["contact_email"] == [
        'Kontaktens e-post: "kim@" är ingen giltig e-postadress.']


def test_unknown_field_is_named(taxonomy):
    with pytest.raises(ValidationError) as raised:
        clean_case_input({**case_data(), "titel": "x"}, taxonomy)
    assert raised.value.errors[0].message.startswith('Okänt fält "titel". Giltiga fält: ')


def test_all_problems_are_reported_at_once(taxonomy):
    errors = errors_for(taxonomy, title="", district="x", priority_areas=[], start_date="x")
    assert set(errors) == {"title", "district", "priority_areas", "start_date"}


def test_dates_must_fall_in_a_plausible_range_and_the_message_says_which(taxonomy):
    from knowledge.core.timezones import today_in_stockholm
    last = today_in_stockholm().year + 10
    messages = errors_for(taxonomy, start_date="0001-01-01", end_date="9999-12-31")
    assert messages["start_date"] == [
        f"Startdatum: året måste vara mellan 1990 och {last} (nu 0001-01-01)."]
    assert messages["end_date"] == [
        f"Slutdatum: året måste vara mellan 1990 och {last} (nu 9999-12-31)."]
    clean = clean_case_input(case_data(start_date="1990-01-01", end_date=f"{last}-12-31"),
                             taxonomy)
    assert clean["end_date"].year == last


def test_the_form_and_the_import_refuse_a_year_out_of_range(client, auth, runner, tmp_path):
    import json
    auth.login("staff")
    form = {**case_data(start_date="0201-05-01"), "partners": "", "action": "save"}
    response = client.post("/cases/new", data=form)
    assert response.status_code == 422
    assert "Startdatum: året måste vara mellan 1990 och" in response.text
    # The form says the range beside the date fields (typed as ÅÅÅÅ-MM-DD in any browser).
    assert "(år 1990–" in client.get("/cases/new").text
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(case_data(end_date="2999-01-01")) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "rad 1: Slutdatum: året måste vara mellan 1990 och" in result.output
