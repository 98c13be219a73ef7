"""A coordinator's district page in a real browser: from the statistics' matrix to Farsta's
page (the demo's local agreement, its cases, "Andra har provat", adoptions both ways), then
changing the local goals, a refused value first. Desktop and phone width, axe-clean, and a
clean console (the new_page fixture)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_a_coordinator_walks_her_district_page(new_page, assert_accessible, viewport):
    page = new_page("coordinator")
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/statistik")
    no_sideways_scroll(page)   # the most reused cases' table scrolled the page on a phone
    page.locator("#cap-matrix").locator("xpath=..").get_by_role("link", name="Farsta").click()
    expect(page).to_have_url(re.compile(r"/stadsdelar/farsta$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Farsta")

    agreement = page.locator("#overenskommelse")
    expect(agreement.locator("dt")).to_have_text(["Unga i riskzon för destruktivt beteende",
                                                  "Otrygga och brottsutsatta platser"])
    expect(agreement).to_contain_text("Fler ska känna sig trygga i Farsta centrum kvällstid")
    others = page.locator("#andra-har-provat")
    # Best evidence first: Hagsätra (externally evaluated) heads the places list.
    expect(others.locator("ol").nth(1).locator("li").first).to_contain_text(
        "Platssamverkan i Hagsätra centrum")
    expect(others).not_to_contain_text("Bättre belysning och snabb klottersanering")  # tried
    expect(page.locator("#provat")).to_contain_text("Bättre belysning och snabb klottersanering")
    expect(page.locator("#provat")).to_contain_text("Skarpnäck provade")
    no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name="Ändra prioriteringar och mål").click()
    page.get_by_label("Mål för systemhotande brottslighet").fill("Färre målvakter.")
    page.get_by_role("button", name="Spara").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Mål för Systemhotande brottslighet: kryssa i området")
    no_sideways_scroll(page)
    assert_accessible(page)

    page.locator("fieldset", has_text="Systemhotande brottslighet").get_by_role(
        "checkbox", name="Lokal prioritering").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Farsta")
    expect(agreement.locator("dt")).to_contain_text(["Systemhotande brottslighet"])
    page.locator("#overenskommelse summary").click()
    expect(agreement).to_contain_text("Valde Systemhotande brottslighet med mål")
    # Put it back, so that the other viewport's run (and other tests) see the demo's state.
    page.get_by_role("link", name="Ändra prioriteringar och mål").click()
    page.locator("fieldset", has_text="Systemhotande brottslighet").get_by_role(
        "checkbox", name="Lokal prioritering").uncheck()
    page.get_by_label("Mål för systemhotande brottslighet").fill("")
    page.get_by_role("button", name="Spara").click()
    expect(agreement.locator("dt")).to_have_count(2)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_measured_results_are_found_and_charted(new_page, assert_accessible, viewport):
    page = new_page("coordinator")
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/cases?measured=ja")
    page.get_by_role("link", name="Platssamverkan i Hagsätra centrum enligt BID-modellen").click()
    section = page.locator("#indikatorer")
    expect(section.get_by_role("heading", level=2)).to_have_text("Mätta resultat")
    expect(section.get_by_role("img", name="Anmälda rån i Hagsätra centrum")).to_be_visible()
    expect(section).to_contain_text("−40 % från 2022 till 2024 (42 → 25)")
    expect(section).to_contain_text("+13 procentenheter från 2022 till 2024 (34 % → 47 %)")
    expect(section).to_contain_text("Kunskapsläge: Utvärderad externt")
    expect(section.get_by_role("table").first).to_contain_text("Uppföljning 2")
    no_sideways_scroll(page)
    assert_accessible(page)
