"""The personal data check: personnummer, samordningsnummer, e-mail and phone in case text."""
from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from stdnum import luhn
from stdnum.se import personnummer

from knowledge.cases.privacy import SCANNED_FIELDS, Finding, describe, scan_case_fields, scan_text
from knowledge.cases.validation import LABELS

# Test numbers in real format. Each passes the Luhn check (asserted below), none is meant to
# belong to anyone: 19121212-1212 is Skatteverket's well-known "Tolvan Tolvansson".
PNR_12 = "19811218-9876"
PNR_10 = "811218-9876"
PNR_TOLVAN_PLUS = "121212+1212"          # born 1912, so written with '+' (aged 100+)
SAMORDNING_10 = "701063-2391"            # 1970-10-03, day + 60
SAMORDNING_12 = "19850779-1005"          # 1985-07-19, day + 60
PNR_FAILING_LUHN = "811218-9877"


def kinds(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan_text(text, "situation", **kwargs)]


def test_test_numbers_are_luhn_valid():
    for number in (PNR_12, PNR_10, PNR_TOLVAN_PLUS, "19121212-1212"):
        assert personnummer.is_valid(number), number
    for number in (SAMORDNING_10, SAMORDNING_12):
        digits = number.replace("-", "")[-10:]
        assert luhn.is_valid(digits), number
        # stdnum 2.2 does not accept coordination numbers itself; the module handles them.
        assert not personnummer.is_valid(number)
    assert not personnummer.is_valid(PNR_FAILING_LUHN)


@pytest.mark.parametrize("written", [
    "19811218-9876", "811218-9876", "8112189876", "198112189876", "811218 9876",
    "19811218 9876", "121212+1212", "19121212-1212", "811218\u20139876",
])
def test_personnummer_in_every_format(written):
    findings = scan_text(f"Flickan ({written}) hade anmält tidigare.", "situation")
    assert [(f.kind, f.text, f.field) for f in findings] == [("personnummer", written,
                                                             "situation")]
    finding = findings[0]
    assert f"Flickan ({written})"[finding.start:finding.end] == written


def test_offsets_point_at_the_match():
    text = "Första raden.\nPojken, 811218-9876, bor i området."
    [finding] = scan_text(text, "situation")
    assert text[finding.start:finding.end] == "811218-9876"
    assert finding.label == "personnummer"


@pytest.mark.parametrize("written", [SAMORDNING_10, "7010632391", SAMORDNING_12,
                                     "198507791005"])
def test_samordningsnummer(written):
    [finding] = scan_text(f"Samordningsnummer {written} noterades.")
    assert finding.kind == "samordningsnummer"
    assert finding.text == written
    assert finding.label == "samordningsnummer"


@pytest.mark.parametrize("written", [
    PNR_FAILING_LUHN, "8112189877", "19811218-9877",
    "701063-2392",           # coordination number with a wrong check digit
    "811248-9876",           # no 48th day
    "811318-1234",           # no 13th month
    "701093-2391",           # coordination day 93 - 60 = 33
    "212000-0142",           # Stockholms stad's organisationsnummer: month 20
    "20991231-1234",         # date in the future
])
def test_invalid_numbers_are_not_flagged(written):
    assert kinds(f"Nummer {written} i texten.") == []


@pytest.mark.parametrize("text", [
    "Insatsen pågick 2024-05-01 till 2024-12-31.",
    "Under 2019–2023 minskade anmälningarna med 12 %.",
    "Under åren 2019-2023 och 2015 2016 2017.",
    "Ärendet har diarienummer KS 2019/656 och Dnr 3.1.2-123/2019.",
    "Budgeten var 1 250 000 kr, varav 45 % till lönekostnader; 2 345 678 kronor totalt.",
    "Se SFS 2018:218 och rapport 2023:4.",
    "Öppet kl. 08-17 och 18-22, 7 dagar i veckan.",
    "Perioden 20230101–20231231 följdes upp.",
    "Beslut 2023-11-05 kl 14:00 i nämnden.",
    "Ring 112 eller polisen på 114 14 vid akuta ärenden.",
    "Projektnummer 1234567890 och 9876543210.",    # 10 digits without a real date
])
def test_no_false_positives(text):
    assert kinds(text) == []


@pytest.mark.parametrize("written", [
    "anna.berg@stockholm.se", "Kalle.Svensson@polisen.se", "åsa.öberg@edu.stockholm.se",
    "first+tag@example.org",
])
def test_email(written):
    [finding] = scan_text(f"Kontakta {written}. Tack!", "measures")
    assert (finding.kind, finding.text, finding.label) == ("email", written, "e-postadress")


@pytest.mark.parametrize("written", [
    "08-123 456 78", "070-123 45 67", "+46 70 123 45 67", "0046 70 123 45 67",
    "0046701234567", "08 123 456 78", "010-123 45 67", "08-508 000 00", "+46 8 508 000 00",
    "0702-12 34 56", "0771-567 567", "076-123 45 67", "018-12 34 56", "08-50800000",
])
def test_phone_formats(written):
    [finding] = scan_text(f"Ring {written} för mer information.", "results")
    assert (finding.kind, finding.text, finding.label) == ("phone", written, "telefonnummer")


def test_personnummer_is_not_also_a_phone_number():
    # 0701234569 is both a mobile number and a Luhn-valid personnummer (2007-01-23):
    # reported once, as the personnummer.
    assert kinds("Nummer 0701234569 nämndes.") == [("personnummer", "0701234569")]
    assert kinds(f"{PNR_10} och {PNR_12}") == [("personnummer", PNR_10),
                                               ("personnummer", PNR_12)]


def test_several_findings_in_order():
    text = (f"Pojken ({PNR_10}) och hans mamma (anna@example.se, 070-123 45 67) "
            f"samt {SAMORDNING_10}.")
    assert kinds(text) == [
        ("personnummer", PNR_10), ("email", "anna@example.se"), ("phone", "070-123 45 67"),
        ("samordningsnummer", SAMORDNING_10),
    ]


def test_allowed_email_and_phone_are_not_flagged():
    text = "Frågor till Anna.Berg@Stockholm.se eller 08-508 000 00, inte 070-123 45 67."
    allowed = frozenset({"anna.berg@stockholm.se", "+46 8 508 000 00"})
    assert kinds(text, allowed=allowed) == [("phone", "070-123 45 67")]


def test_empty_text():
    assert scan_text("") == []
    assert scan_text(None) == []  # type: ignore[arg-type]


def case(**overrides):
    fields = {
        "title": "Trygghetsvandringar i Husby",
        "summary": "Kvällsvandringar med föräldrar.",
        "district": "jarva",
        "priority_areas": ["otrygga-platser"],
        "organisation": "Järva stadsdelsförvaltning",
        "partners": ["Lokalpolisområde Rinkeby", "Fastighetsägare"],
        "target_group": "Unga 13–17 år",
        "situation": "Otryggt vid centrum 2019–2023.",
        "cause_analysis": None,
        "measures": "Vandringar varje fredag.",
        "goals": "Ökad trygghet.",
        "results": "Anmälningarna minskade med 20 %.",
        "lessons": "",
        "gender_analysis": None,
        "child_rights_analysis": None,
        "evidence_level": "beprovad",
        "start_date": "2024-02-01",
        "end_date": None,
        "contact_name": "Anna Berg, 08-508 000 00, anna.berg@stockholm.se",
        "contact_email": "anna.berg@stockholm.se",
        "external_id": "198112189876",
        "status": "draft",
    }
    fields.update(overrides)
    return fields


def test_clean_case_has_no_findings():
    assert scan_case_fields(case()) == []


def test_scanned_fields_are_labelled():
    assert set(SCANNED_FIELDS) <= set(LABELS)
    assert "contact_name" not in SCANNED_FIELDS and "contact_email" not in SCANNED_FIELDS


def test_scan_case_fields():
    findings = scan_case_fields(case(
        title=f"Stöd till {PNR_10}",
        situation=f"Mamman ({SAMORDNING_12}) hörde av sig via mamma@example.com.",
        partners=["Polisen", "Kontakt 070-123 45 67"],
        lessons="Ring Anna på 08-508 000 00 eller mejla ANNA.BERG@stockholm.se.",
    ))
    assert [(f.field, f.kind, f.text) for f in findings] == [
        ("title", "personnummer", PNR_10),
        ("partners", "phone", "070-123 45 67"),
        ("situation", "samordningsnummer", SAMORDNING_12),
        ("situation", "email", "mamma@example.com"),
    ]
    partners = "Polisen; Kontakt 070-123 45 67"
    partner_finding = findings[1]
    assert partners[partner_finding.start:partner_finding.end] == "070-123 45 67"


def test_contact_fields_are_not_scanned():
    fields = case(contact_name=f"Anna Berg {PNR_12}", contact_email="anna.berg@stockholm.se",
                  external_id=PNR_12)
    assert scan_case_fields(fields) == []


def test_contact_email_allowed_but_other_email_flagged():
    fields = case(contact_name="Anna Berg", contact_email="anna.berg@stockholm.se",
                  measures="Mejla anna.berg@stockholm.se eller kalle@stockholm.se.")
    assert [(f.field, f.text) for f in scan_case_fields(fields)] == [
        ("measures", "kalle@stockholm.se")]


def test_phone_in_contact_name_is_allowed_elsewhere():
    fields = case(contact_name="Anna Berg, 08-508 000 00", contact_email=None,
                  results="Ring +46 8 508 000 00 för rapporten.")
    assert scan_case_fields(fields) == []
    fields = case(contact_name="Anna Berg", contact_email=None,
                  results="Ring +46 8 508 000 00 för rapporten.")
    assert [f.kind for f in scan_case_fields(fields)] == ["phone"]


def test_describe_messages():
    findings = [
        Finding("situation", "personnummer", PNR_12, 0, 13),
        Finding("measures", "samordningsnummer", SAMORDNING_10, 5, 16),
        Finding("summary", "email", "kalle@example.se", 0, 16),
        Finding("partners", "phone", "070-123 45 67", 3, 16),
    ]
    assert describe(findings) == [
        'Lägesbild / problem: innehåller ett personnummer ("19811218-9876"). '
        "Ta bort det innan exemplet skickas.",
        'Åtgärder och genomförande: innehåller ett samordningsnummer ("701063-2391"). '
        "Ta bort det innan exemplet skickas.",
        'Sammanfattning: innehåller en e-postadress ("kalle@example.se"). '
        "Ta bort den innan exemplet skickas. "
        "Kontaktuppgifter hör hemma i fälten för kontaktperson.",
        'Samverkansparter: innehåller ett telefonnummer ("070-123 45 67"). '
        "Ta bort det innan exemplet skickas. "
        "Kontaktuppgifter hör hemma i fälten för kontaktperson.",
    ]
    assert describe([]) == []


def test_describe_from_scan():
    [message] = describe(scan_case_fields(case(goals=f"Följa upp {PNR_10}.")))
    assert message.startswith("Mål: innehåller ett personnummer (\"811218-9876\").")


def test_finding_is_frozen():
    finding = Finding("title", "email", "a@b.se", 0, 6)
    with pytest.raises(FrozenInstanceError):
        finding.text = "x"  # type: ignore[misc]
