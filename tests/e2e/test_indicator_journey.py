"""A coordinator's measured results in a real browser (issue 16): she writes a case with two
indicators in the form, sees them charted on the case page, an editor publishes it, and she
finds it with the search facet "Har mätta resultat" and sees it counted in the statistics and
the yearly compilation. Every counter is read before and after, never assumed. Desktop and
phone width, axe-clean at each step, and a clean console (the new_page fixture)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
AREA = "Otrygga och brottsutsatta platser"
MEASURED = "Med mätta resultat"
IMPROVED = "Varav med förbättring enligt indikatorn"
FACET_YES = "Ja, med uppföljda indikatorer"

# Two indicators as a coordinator types them: a count that should fall and a share (with a
# decimal comma) that should rise; each followed up once, so the case counts as measured and
# as improved by its indicators' own directions.
VANDALISM = {"Vad mättes": "Anmäld skadegörelse i centrumgallerian",
             "Källa": "Polisens anmälningsstatistik", "Enhet": "antal",
             "better": "Lägre är bättre",
             "Utgångsvärde": ("58", "2023-01-01", "2023-12-31"),
             "Uppföljning 1": ("37", "2025-01-01", "2025-12-31")}
FEELING_SAFE = {"Vad mättes": "Andel boende som känner sig trygga i centrum kvällstid",
                "Källa": "Stadens trygghetsmätning", "Enhet": "procent",
                "better": "Högre är bättre",
                "Utgångsvärde": ("41", "2023-03-01", "2023-04-30"),
                "Uppföljning 1": ("52,5", "2025-03-01", "2025-04-30")}


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways"


def checked(page, assert_accessible) -> None:
    """What every step's page must be: no sideways scroll (on a phone) and axe-clean."""
    no_sideways_scroll(page)
    assert_accessible(page)


def counts_for_area(table, area: str) -> dict[str, int]:
    """The numeric columns of the area's row, by their column headings."""
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(
        has=table.page.get_by_role("rowheader", name=area, exact=True))
    expect(row).to_have_count(1)
    cells = [text.strip() for text in row.locator("th, td").all_inner_texts()]
    return {heading: int(cell) for heading, cell in zip(headings[1:], cells[1:])}


def table_rows(table) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]


def numbers_broken_across_lines(section) -> list[str]:
    """The values and dates in the section's tables that the browser split over two lines
    (at 390 px "2023-04-30" broke after "2023-" and "52,5 %" before "%")."""
    return section.evaluate("""section => {
      const broken = [];
      for (const cell of section.querySelectorAll('td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent;
          const pieces = cell.classList.contains('num') ? [[0, text.length]]
            : [...text.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)].map(m => [m.index, m.index + m[0].length]);
          for (const [start, end] of pieces) {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (tops.size > 1) broken.push(text.slice(start, end));
          }
        }
      }
      return broken;
    }""")


def statistics_counts(page) -> dict[str, int]:
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", name="Mätta resultat per prioriterat samverkansområde")) \
        .to_be_visible()
    return counts_for_area(page.locator("#matta-resultat table"), AREA)


def compilation_counts(page) -> dict[str, int]:
    """The summary table of the compilation the page opens on (last year's)."""
    page.get_by_role("navigation", name="Uppföljning").get_by_role(
        "link", name="Årssammanställning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Årssammanställning \d{4}"))
    table = page.get_by_role("table", name=re.compile("Antal exempel per prioriterat"))
    return counts_for_area(table, AREA)


def open_search(page, viewport) -> None:
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Sök exempel").click()
    if viewport == PHONE:   # on a phone the filters wait behind their disclosure
        page.locator("#filters > summary").click()


def facet_count(page) -> int:
    label = page.get_by_role("group", name="Har mätta resultat").get_by_role(
        "checkbox", name=FACET_YES)
    text = label.locator("xpath=..").inner_text()
    return int(re.search(r"\((\d+)\)", text).group(1))


def htmx_search(page, action) -> None:
    with page.expect_response(lambda r: "/cases" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_function("() => !document.querySelector('#search-form.htmx-request')")


def fill_indicator(form, number: int, indicator: dict) -> None:
    box = form.get_by_role("group", name=f"Indikator {number}", exact=True)
    for label in ("Vad mättes", "Källa", "Enhet"):
        box.get_by_label(label, exact=True).fill(indicator[label])
    box.get_by_label("Vilket håll är bättre").select_option(label=indicator["better"])
    for legend in ("Utgångsvärde", "Uppföljning 1"):
        value, start, end = indicator[legend]
        measurement = box.get_by_role("group", name=legend, exact=True)
        measurement.get_by_label("Värde", exact=True).fill(value)
        measurement.get_by_label("Från", exact=True).fill(start)
        measurement.get_by_label("Till", exact=True).fill(end)


def expect_indicator_kept(form, number: int, indicator: dict) -> None:
    box = form.get_by_role("group", name=f"Indikator {number}", exact=True)
    for label in ("Vad mättes", "Källa", "Enhet"):
        expect(box.get_by_label(label, exact=True)).to_have_value(indicator[label])
    expect(box.get_by_label("Vilket håll är bättre").locator("option:checked")) \
        .to_have_text(indicator["better"])
    for legend in ("Utgångsvärde", "Uppföljning 1"):
        value, start, end = indicator[legend]
        measurement = box.get_by_role("group", name=legend, exact=True)
        # As typed, decimal comma included (it came back as "52.5").
        expect(measurement.get_by_label("Värde", exact=True)).to_have_value(value)
        expect(measurement.get_by_label("Från", exact=True)).to_have_value(start)
        expect(measurement.get_by_label("Till", exact=True)).to_have_value(end)


@pytest.mark.parametrize("viewport, title, district", [
    pytest.param(None, "Centrumvärdar i Bagarmossen kvällstid", "Skarpnäck", id="1280"),
    pytest.param(PHONE, "Centrumvärdar i Hökarängen kvällstid", "Farsta", id="390"),
])
def test_a_coordinator_measures_a_case_finds_it_and_sees_it_counted(
        new_page, assert_accessible, viewport, title, district):
    page = new_page("coordinator")
    if viewport:
        page.set_viewport_size(viewport)

    # Before: the area's counts in the statistics and the compilation, and the facet's count.
    page.goto("/")
    statistics_before = statistics_counts(page)
    compilation_before = compilation_counts(page)
    open_search(page, viewport)
    facet_before = facet_count(page)

    # The form: the case, and two indicators in the fieldsets the form offers.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Nytt exempel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt gott exempel")
    form = page.locator("#case-form")
    form.get_by_label("Rubrik").fill(title)
    form.get_by_label("Sammanfattning").fill(
        "Centrumvärdar och fältassistenter fanns i centrum varje kväll, i samverkan med "
        "fastighetsägaren och lokalpolisen.")
    form.get_by_label("Stadsdelsområde").select_option(label=district)
    form.get_by_role("checkbox", name=AREA).check()
    form.get_by_label("Kunskapsläge").select_option(label="Uppföljd")
    # Under way since 2024: active in last year's compilation, which the page opens on.
    form.get_by_label("Startdatum").fill("2024-01-15")
    expect(form.get_by_role("group", name=re.compile(r"^Indikator \d+$"))).to_have_count(2)
    fill_indicator(form, 1, VANDALISM)
    fill_indicator(form, 2, FEELING_SAFE)
    checked(page, assert_accessible)
    form.get_by_role("button", name="Spara utkast").click()

    # The case page charts both: an SVG with a text alternative, the table, the change in words.
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    expect(page.get_by_role("status")).to_contain_text("Utkastet är sparat")
    section = page.locator("#indikatorer")
    expect(section.get_by_role("heading", level=2)).to_have_text("Mätta resultat")
    expect(section.get_by_role("article")).to_have_count(2)
    vandalism = section.get_by_role("article", name=VANDALISM["Vad mättes"])
    expect(vandalism.get_by_role("img")).to_have_accessible_name(re.compile(
        r"Anmäld skadegörelse i centrumgallerian.*2023 \(utgångsvärde\): 58; "
        r"2025 \(uppföljning\): 37"))
    expect(vandalism).to_contain_text("−36 % från 2023 till 2025 (58 → 37)")
    expect(vandalism).to_contain_text("Lägre är bättre")
    assert table_rows(vandalism.get_by_role("table")) == [
        ["Utgångsvärde", "2023", "58"], ["Uppföljning 1", "2025", "37"]]
    feeling_safe = section.get_by_role("article", name=FEELING_SAFE["Vad mättes"])
    expect(feeling_safe.get_by_role("img")).to_have_accessible_name(re.compile(
        r"Andel boende .*2023 \(utgångsvärde\): 41 %; 2025 \(uppföljning\): 52,5 %"))
    expect(feeling_safe).to_contain_text(
        "+11,5 procentenheter från 2023 till 2025 (41 % → 52,5 %)")
    assert table_rows(feeling_safe.get_by_role("table")) == [
        ["Utgångsvärde", "2023-03-01 – 2023-04-30", "41 %"],
        ["Uppföljning 1", "2025-03-01 – 2025-04-30", "52,5 %"]]
    # No more than the data says: the evidence level and the caveat stay beside the numbers.
    expect(section).to_contain_text("Kunskapsläge: Uppföljd")
    expect(section).to_contain_text("de visar inte ensamma att insatsen orsakade förändringen")
    assert numbers_broken_across_lines(section) == []
    checked(page, assert_accessible)

    # Back in the form both indicators are kept, with room for a third; then off for review.
    page.get_by_role("link", name="Redigera").click()
    form = page.locator("#case-form")
    expect_indicator_kept(form, 1, VANDALISM)
    expect_indicator_kept(form, 2, FEELING_SAFE)
    expect(form.get_by_role("group", name="Indikator 3", exact=True)
           .get_by_label("Vad mättes")).to_have_value("")
    checked(page, assert_accessible)
    form.get_by_role("button", name="Skicka för granskning").click()
    page.wait_for_url(case_url)
    expect(page.get_by_role("status")).to_contain_text("skickat för granskning")

    # Coordinators write cases; the central office's editor publishes them.
    editor = new_page("editor")
    editor.goto(case_url)
    editor.get_by_role("button", name="Publicera").click()
    expect(editor.get_by_role("status")).to_contain_text("publicerat")

    # The sort menu's "Mätta resultat först" reaches the URL and the results (by htmx); hers,
    # the newest measured case, leads (the order itself: tests/test_search_measured_sort.py).
    open_search(page, viewport)
    htmx_search(page, lambda: page.get_by_label("Sortera").select_option(
        label="Mätta resultat först"))
    expect(page).to_have_url(re.compile(r"[?&]sort=measured"))
    expect(page.locator("#search-results .result-list h3 a").first).to_have_text(title)

    # Found with the facet: one more case behind it, and hers the newest published.
    open_search(page, viewport)
    htmx_search(page, page.get_by_role("group", name="Har mätta resultat")
                .get_by_role("checkbox", name=FACET_YES).check)
    expect(page).to_have_url(re.compile(r"[?&]measured=ja"))
    assert facet_count(page) == facet_before + 1
    expect(page.locator("#result-count")).to_contain_text(f"{facet_before + 1} exempel hittades")
    htmx_search(page, lambda: page.get_by_label("Sortera").select_option(
        label="Senast publicerade"))
    first = page.locator("#search-results .result-list h3 a").first
    expect(first).to_have_text(title)
    checked(page, assert_accessible)
    first.click()
    expect(page).to_have_url(case_url)
    expect(page.locator("#indikatorer").get_by_role("article")).to_have_count(2)

    # Counted: measured and improved go up by one for its area, in both reports.
    statistics_after = statistics_counts(page)
    assert statistics_after == {MEASURED: statistics_before[MEASURED] + 1,
                                IMPROVED: statistics_before[IMPROVED] + 1}
    checked(page, assert_accessible)
    compilation_after = compilation_counts(page)
    assert compilation_after[MEASURED] == compilation_before[MEASURED] + 1
    assert compilation_after[IMPROVED] == compilation_before[IMPROVED] + 1
    assert compilation_after["Exempel"] == compilation_before["Exempel"] + 1
    checked(page, assert_accessible)


CELL_LOOK = ("borderTopStyle", "borderTopWidth", "paddingLeft", "paddingRight", "textAlign",
             "fontVariantNumeric")


def number_cell_look(page, table) -> dict[str, str]:
    return table.locator("tbody td.num").first.evaluate(
        f"cell => {{ const s = getComputedStyle(cell); "
        f"return Object.fromEntries({list(CELL_LOOK)}.map(k => [k, s[k]])); }}")


def test_tables_outside_the_reports_look_like_the_reports_tables(new_page):
    """The table styles lived in the reports' own stylesheet, so an indicator's table on the
    case page and the list of districts had no borders, no padding and numbers not aligned."""
    page = new_page("coordinator")
    page.goto("/statistik")
    reports_look = number_cell_look(page, page.locator("#matta-resultat table"))
    assert reports_look["borderTopStyle"] == "solid" and reports_look["textAlign"] == "right"
    page.goto("/cases?measured=ja")
    page.get_by_role("link", name="Platssamverkan i Hagsätra centrum enligt BID-modellen").click()
    assert number_cell_look(page, page.locator("#indikatorer table").first) == reports_look
    page.goto("/stadsdelar")
    assert number_cell_look(page, page.get_by_role("table")) == reports_look
