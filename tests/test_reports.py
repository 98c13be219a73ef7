"""The yearly compilation, statistics, charts and the CSV/Excel exports.

Numbers are checked against a count done another way: plain Python over the cases' dates,
areas and districts, not the SQL the compilation runs.
"""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from knowledge.cases import lifecycle as cases
from knowledge.core import charts
from knowledge.transfer import export_files
from knowledge.reports import followup as reports
from knowledge.core.markdown import markdown_as_text
from knowledge.cases.models import Case
from knowledge.accounts.permissions import PermissionDenied
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data

SVG = "{http://www.w3.org/2000/svg}"
THIS_YEAR = date.today().year

# (title, district, areas, evidence, start, end): chosen around the edges of 2024.
CORPUS = [
    ("Trygghetsvandringar i Husby", "Järva", ["otrygga-platser"], "uppfoljd",
     "2024-02-01", "2025-01-31"),
    ("Fritidsgårdar öppna på helger", "Farsta", ["unga-i-riskzon", "otrygga-platser"],
     "utvarderad-externt", "2023-05-01", "2024-01-01"),           # ends on 1 January
    ("Mentorer i skolan", "Bromma", ["unga-i-riskzon"], "", "2024-12-31", ""),  # open
    ("Kontroller av restauranger", "Järva", ["systemhotande-brottslighet"],
     "utvarderad-internt", "2022-01-01", "2023-12-31"),           # over before 2024
    ("Stöd till brottsutsatta äldre", "Södermalm", ["utsatta-brottsoffer"], "uppfoljd",
     "", ""),                                                     # no dates
    ("Nattvandring från januari", "Skarpnäck", ["kriminella-miljoer", "unga-i-riskzon"],
     "uppfoljd", "2025-01-01", "2025-06-30"),                     # starts after 2024
    ("=HYPERLINK(\"http://elak.example\")", "Järva", ["unga-i-riskzon"], "uppfoljd",
     "2024-03-01", "2024-05-31"),                                 # looks like a formula
]


@pytest.fixture
def corpus(db, users):
    made = []
    for title, district, areas, evidence, start, end in CORPUS:
        case = cases.create_case(db, users["staff"], case_data(
            title=title, district=district, priority_areas=areas, evidence_level=evidence,
            start_date=start, end_date=end,
            results=f"- **Resultat** för {title}\n- andra raden",
            lessons=f"Lärdom; med semikolon och \"citat\" för {title}"))
        cases.submit_case(db, users["staff"], case)
        cases.publish_case(db, users["editor"], case)
        made.append(case)
    # Neither a draft nor a submitted case counts, though both are active in 2024.
    cases.create_case(db, users["staff"], case_data(title="Utkast 2024"))
    waiting = cases.create_case(db, users["staff"], case_data(title="Inskickat 2024"))
    cases.submit_case(db, users["staff"], waiting)
    return made


def active_in(case, year: int) -> bool:
    """The rule, counted by hand from the years: what the compilation must agree with."""
    if case.start_date is None:
        return case.published_at.year == year
    last = case.end_date.year if case.end_date else 9999
    return case.start_date.year <= year <= last


def expected_ids(corpus, year, district=None, area=None):
    return {c.id for c in corpus if active_in(c, year)
            and (district is None or c.district.name == district)
            and (area is None or area in [a.slug for a in c.areas])}


# --- the compilation -------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2023, 2024, 2025, THIS_YEAR])
def test_compilation_counts_match_a_count_by_hand(db, users, corpus, year):
    compiled = reports.compile_year(db, users["coordinator"], year)
    assert set(compiled.case_ids) == expected_ids(corpus, year)
    for section in compiled.sections:
        assert set(section.case_ids) == expected_ids(corpus, year, area=section.slug)
        by_hand = Counter(c.evidence_level or "ej-angivet" for c in corpus
                          if c.id in section.case_ids)
        assert {k: v for k, v in section.evidence.items() if v} == dict(by_hand)
    assert sum(compiled.evidence.values()) == len(compiled.case_ids)


def test_compilation_of_2024_has_the_edge_cases_right(db, users, corpus):
    compiled = reports.compile_year(db, users["staff"], "2024")
    titles = {db.get(Case, case_id).title for case_id in compiled.case_ids}
    assert "Fritidsgårdar öppna på helger" in titles          # ended 1 Jan 2024
    assert "Mentorer i skolan" in titles                      # started 31 Dec 2024
    assert "Kontroller av restauranger" not in titles
    assert "Nattvandring från januari" not in titles
    assert "Utkast 2024" not in titles and "Inskickat 2024" not in titles
    # The undated case counts in the year it was published (this year), not in 2024.
    assert ("Stöd till brottsutsatta äldre" in titles) == (THIS_YEAR == 2024)
    sections = {s.slug: s for s in compiled.sections}
    assert [s.slug for s in compiled.sections] == ["unga-i-riskzon", "otrygga-platser",
                                                   "systemhotande-brottslighet",
                                                   "utsatta-brottsoffer", "kriminella-miljoer"]
    # A case in two areas is in both sections.
    two = next(c for c in corpus if c.title == "Fritidsgårdar öppna på helger")
    assert two.id in sections["unga-i-riskzon"].case_ids
    assert two.id in sections["otrygga-platser"].case_ids
    assert compiled.in_several_sections == 1


def test_compilation_filters_by_district_and_area(db, users, corpus):
    compiled = reports.compile_year(db, users["editor"], 2024, district="jarva")
    assert set(compiled.case_ids) == expected_ids(corpus, 2024, district="Järva")
    compiled = reports.compile_year(db, users["editor"], 2024, area="unga-i-riskzon")
    assert [s.slug for s in compiled.sections] == ["unga-i-riskzon"]
    assert set(compiled.case_ids) == expected_ids(corpus, 2024, area="unga-i-riskzon")


def test_bad_choices_name_the_field_and_valid_values(db, users):
    with pytest.raises(ValidationError) as caught:
        reports.compile_year(db, users["staff"], "tjugo", district="Gotham", area="nej")
    messages = caught.value.by_field()
    assert set(messages) == {"year", "district", "area"}
    assert "Järva" in messages["district"][0]
    assert "unga-i-riskzon" in messages["area"][0]


def test_only_active_logged_in_users_read_reports(db, users):
    with pytest.raises(PermissionDenied):
        reports.compile_year(db, None, 2024)
    users["admin"].active = False
    with pytest.raises(PermissionDenied):
        reports.case_statistics(db, users["admin"])


def test_compilation_page_has_contents_sections_and_rendered_results(client, auth, corpus):
    auth.login("coordinator")
    page = client.get("/sammanstallning?year=2024&area=&district=").text
    for slug in ("unga-i-riskzon", "otrygga-platser", "kriminella-miljoer"):
        assert f'href="#omrade-{slug}"' in page and f'id="omrade-{slug}"' in page
    assert "redovisas under vart och ett" in page
    assert "<strong>Resultat</strong>" in page                      # Markdown rendered
    assert "print.css" in page
    assert page.count('class="compiled-case"') == sum(
        len(expected_ids(corpus, 2024, area=a)) for a in
        ("unga-i-riskzon", "otrygga-platser", "systemhotande-brottslighet",
         "utsatta-brottsoffer", "kriminella-miljoer"))
    assert "/sammanstallning.xlsx?year=2024" in page


def test_a_big_area_shows_its_first_cases_and_says_where_the_rest_are(client, auth, corpus,
                                                                     monkeypatch):
    # At 10 000 cases a year's page held thousands of full entries and took seconds; the page
    # now shows the first cases of each area in full, the counts stay whole.
    from knowledge.web import reports as report_views
    monkeypatch.setattr(report_views, "PAGE_CASES_PER_AREA", 1)
    auth.login("coordinator")
    page = client.get("/sammanstallning?year=2024").text
    big = {a: len(expected_ids(corpus, 2024, area=a)) for a in
           ("unga-i-riskzon", "otrygga-platser", "systemhotande-brottslighet",
            "utsatta-brottsoffer", "kriminella-miljoer")}
    assert page.count('class="compiled-case"') == sum(min(1, n) for n in big.values())
    for slug, count in big.items():
        if count > 1:
            assert f"Sidan visar de 1 första av {count} exempel inom området" in page
            assert f"/sammanstallning.xlsx?year=2024&amp;area={slug}" in page
    assert any(n > 1 for n in big.values())
    assert f"<td class=\"num\">{big['unga-i-riskzon']}</td>" in page   # the counts are whole


def test_compilation_page_explains_bad_input(client, auth, users):
    auth.login("staff")
    response = client.get("/sammanstallning?year=2024&district=Gotham")
    assert response.status_code == 400
    assert "okänt värde" in response.text and "Järva" in response.text


def read_csv(response):
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode("utf-8"))
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == SWEDISH_HEADERS
    return [dict(zip(export_files.EXPORT_COLUMNS, row)) for row in rows[1:]]


# Files meant for people name the columns as the form does, not by field name.
SWEDISH_HEADERS = ["Nummer", "Rubrik", "Stadsdelsområde", "Prioriterade samverkansområden",
                   "Kunskapsläge", "Startdatum", "Slutdatum", "Organisation",
                   "Samverkansparter", "Resultat och uppföljning", "Lärdomar",
                   "Mätta resultat", "Förbättring enligt indikatorn", "Länk"]


def test_compilation_csv_reads_back_with_real_columns(client, auth, corpus):
    auth.login("admin")
    response = client.get("/sammanstallning.csv?year=2024")
    assert "arssammanstallning-2024.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert {int(r["id"]) for r in rows} == expected_ids(corpus, 2024)  # each case once
    husby = next(r for r in rows if r["title"] == "Trygghetsvandringar i Husby")
    case = next(c for c in corpus if c.title == husby["title"])
    assert husby["district"] == "Järva"
    assert husby["priority_areas"] == "Otrygga och brottsutsatta platser"
    assert husby["evidence_level"] == "Uppföljd"
    assert (husby["start_date"], husby["end_date"]) == ("2024-02-01", "2025-01-31")
    assert husby["partners"] == "Lokalpolisområde Rinkeby; Familjebostäder"
    assert husby["lessons"] == case.lessons                  # ; and quotes survive
    assert husby["url"].endswith(f"/cases/{case.id}")
    # Markdown lists read as text ("•", no **), with no apostrophe in front.
    assert husby["results"] == markdown_as_text(case.results)
    assert husby["results"].startswith("• Resultat") and "**" not in husby["results"]
    # Excel must not run a cell as a formula.
    formula = next(r for r in rows if "HYPERLINK" in r["title"])
    assert formula["title"].startswith("'=")
    two = next(r for r in rows if r["title"] == "Fritidsgårdar öppna på helger")
    assert two["priority_areas"] == ("Unga i riskzon för destruktivt beteende; "
                                     "Otrygga och brottsutsatta platser")


def test_compilation_excel_has_a_summary_and_a_sheet_per_area(client, auth, corpus):
    auth.login("editor")
    response = client.get("/sammanstallning.xlsx?year=2024")
    assert response.mimetype == export_files.XLSX_MIMETYPE
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Sammanfattning", "Unga i riskzon för destruktivt…",
                               "Otrygga och brottsutsatta…", "Systemhotande brottslighet",
                               "Särskilt utsatta och sårbara…", "Kriminella miljöer och…",
                               "Plan för kommande år"]   # knowledge.districts.compilation_plans
    summary = list(book["Sammanfattning"].iter_rows(values_only=True))
    assert summary[0][:2] == ("Prioriterat samverkansområde", "Antal exempel")
    counts = {row[0]: row[1] for row in summary[1:7]}
    assert counts["Unga i riskzon för destruktivt beteende"] == len(
        expected_ids(corpus, 2024, area="unga-i-riskzon"))
    assert counts["Alla områden (varje exempel en gång)"] == len(expected_ids(corpus, 2024))

    sheet = book["Otrygga och brottsutsatta…"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == SWEDISH_HEADERS
    assert {row[0] for row in rows[1:]} == expected_ids(corpus, 2024, area="otrygga-platser")
    husby = next(dict(zip(export_files.EXPORT_COLUMNS, row)) for row in rows[1:]
                 if row[1] == "Trygghetsvandringar i Husby")
    assert husby["start_date"] == datetime(2024, 2, 1)        # a real date cell
    assert husby["results"].startswith("• Resultat")           # Markdown read as text
    unga = book["Unga i riskzon för destruktivt…"]
    formula = next(row for row in unga.iter_rows() if "HYPERLINK" in str(row[1].value))
    assert formula[1].data_type == "s"                         # text, never a formula


def test_search_export_follows_the_search_parameters(client, auth, corpus):
    auth.login("staff")
    rows = read_csv(client.get("/cases/export.csv?district=jarva&area=unga-i-riskzon"
                               "&area=otrygga-platser&page=3"))
    wanted = {c.id for c in corpus if c.district.name == "Järva" and
              {a.slug for a in c.areas} & {"unga-i-riskzon", "otrygga-platser"}}
    assert {int(r["id"]) for r in rows} == wanted
    everything = read_csv(client.get("/cases/export.csv"))
    assert {int(r["id"]) for r in everything} == {c.id for c in corpus}
    text = read_csv(client.get("/cases/export.csv?q=restauranger"))
    assert [r["title"] for r in text] == ["Kontroller av restauranger"]

    book = load_workbook(io.BytesIO(client.get(
        "/cases/export.xlsx?district=jarva&sort=newest").data))
    assert book.sheetnames == ["Sökresultat", "Om uttaget"]
    rows = list(book["Sökresultat"].iter_rows(values_only=True))
    assert list(rows[0]) == SWEDISH_HEADERS
    assert {row[0] for row in rows[1:]} == {c.id for c in corpus if c.district.name == "Järva"}
    about = dict(row[:2] for row in book["Om uttaget"].iter_rows(values_only=True))
    assert about["Antal träffar"] == len(rows) - 1
    assert about["Stadsdelsområde"] == "jarva"


def test_export_links_carry_the_current_filters(app, client, auth, users):
    auth.login("staff")
    with app.test_request_context("/cases?q=unga&area=unga-i-riskzon&page=2"):
        from flask import render_template
        html = render_template("cases/_export_links.html")
    assert 'href="/cases/export.csv?q=unga&amp;area=unga-i-riskzon"' in html
    assert "/cases/export.xlsx?" in html and "page=" not in html


# --- statistics and charts ---------------------------------------------------------------------

def test_statistics_match_a_count_by_hand(db, users, corpus):
    stats = reports.case_statistics(db, users["coordinator"])
    assert stats.total == len(corpus)
    assert stats.by_district["jarva"] == sum(c.district.slug == "jarva" for c in corpus)
    assert stats.by_evidence["ej-angivet"] == 1
    assert sum(stats.by_evidence.values()) == len(corpus)
    for year in stats.years:
        for slug, per_year in stats.by_area_year.items():
            assert per_year[year] == len(expected_ids(corpus, year, area=slug)), (slug, year)
    assert stats.matrix["jarva"]["systemhotande-brottslighet"] == 1
    assert stats.matrix["bromma"]["otrygga-platser"] == 0
    assert ("Bromma", "Otrygga och brottsutsatta platser") in stats.gaps
    cells = len(stats.districts) * len(stats.areas)
    filled = {(c.district.slug, a.slug) for c in corpus for a in c.areas}
    assert len(stats.gaps) == cells - len(filled)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]


def check_accessible(svg: ET.Element) -> None:
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}desc").get("id") == desc_id


def bars(svg: ET.Element) -> dict[str, ET.Element]:
    return {rect.find(f"{SVG}title").text: rect for rect in svg.iter(f"{SVG}rect")
            if rect.get("class") == "bar"}


def test_statistics_page_charts_are_valid_svg_with_the_right_bars(client, auth, corpus, db,
                                                                  users):
    stats = reports.case_statistics(db, users["staff"])
    auth.login("staff")
    page = client.get("/statistik").text
    area_year, district, evidence = svgs(page)
    for svg in (area_year, district, evidence):
        check_accessible(svg)
    district_bars = bars(district)
    assert set(district_bars) == {f"{name}: {stats.by_district[slug]}"
                                  for slug, name in stats.districts}
    jarva = float(district_bars["Järva: 3"].get("width"))
    farsta = float(district_bars["Farsta: 1"].get("width"))
    assert jarva == pytest.approx(3 * farsta)                  # lengths follow the values
    assert float(district_bars["Bromma: 1"].get("width")) == pytest.approx(farsta)
    assert "Ej angivet: 1" in bars(evidence)
    labels = bars(area_year)
    assert len(labels) == len(stats.years) * len(stats.areas)
    assert "Unga i riskzon för destruktivt beteende, 2024: 3" in labels
    # The gaps: the word, not only the look.
    assert page.count('class="gap-text">saknas</span>') == len(stats.gaps)
    assert "Mest återanvända exempel" in page                   # adoption counts, as a table


def test_charts_escape_labels_and_scale_bars():
    svg = ET.fromstring(str(charts.bar_chart("c1", "Titel & <mer>", "Beskrivning",
                                             [("A & <B>", 2), ("C", 4), ("Noll", 0)])))
    check_accessible(svg)
    assert svg.find(f"{SVG}title").text == "Titel & <mer>"
    found = bars(svg)
    assert float(found["C: 4"].get("width")) == 2 * float(found["A & <B>: 2"].get("width"))
    assert float(found["Noll: 0"].get("width")) == 0
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "A & <B>" in texts and "4" in texts

    grouped = ET.fromstring(str(charts.grouped_bar_chart(
        "c2", "År", "Per år", ["2023", "2024"], [("X", [1, 5]), ("Y", [0, 10])])))
    found = bars(grouped)
    assert set(found) == {"X, 2023: 1", "X, 2024: 5", "Y, 2023: 0", "Y, 2024: 10"}
    assert float(found["Y, 2024: 10"].get("height")) == 2 * float(found["X, 2024: 5"]
                                                                   .get("height"))
    assert not any(el.get("style") for el in grouped.iter())   # the CSP allows no inline style


def test_empty_bank_gives_empty_statistics_and_compilation(client, auth, users, db):
    stats = reports.case_statistics(db, users["staff"])
    assert stats.total == 0 and stats.years == [] and len(stats.gaps) == 60
    auth.login("staff")
    assert client.get("/statistik").status_code == 200
    page = client.get("/sammanstallning?year=2024").text
    assert "Inga publicerade exempel inom området" in page


def test_statistics_list_the_most_reused_cases(client, auth, db, users):
    from knowledge.cases import lifecycle as domain
    from knowledge.exchange.adoptions import report_adoption
    made = []
    for title in ("Läxhjälp i Husby", "Läxhjälp i Tensta"):
        case = domain.create_case(db, users["staff"], case_data(title=title), submit=True)
        made.append(domain.publish_case(db, users["editor"], case))
    for district in ("Farsta", "Skärholmen"):
        report_adoption(db, users["coordinator"], made[1],
                        {"district": district, "context": "Vi provade", "status": "pågår"})
    report_adoption(db, users["coordinator"], made[0],
                    {"district": "Farsta", "context": "Vi provade", "status": "planerad"})
    auth.login("coordinator")
    html = client.get("/statistik").text
    assert "Mest återanvända exempel" in html
    assert html.index("Läxhjälp i Tensta</a></td><td>Järva</td><td>2") < \
        html.index("Läxhjälp i Husby</a></td><td>Järva</td><td>1")
