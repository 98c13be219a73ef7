"""A coordinator types the word she uses, not the word the case uses: the search finds the
case, says what it added, and lets her search for exactly what she typed."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def search_for(page, text: str) -> None:
    with page.expect_response(lambda r: "/cases" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Sökord").fill(text)
    page.wait_for_function("() => !document.querySelector('#search-form.htmx-request')")


def test_a_practitioners_word_finds_the_case_and_the_page_says_what_was_added(
        new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/cases")
    # The demo case says "feriejobb"; coordinators say "sommarjobb".
    search_for(page, "sommarjobb")
    results = page.locator(".result-list")
    expect(results).to_contain_text("Feriejobb och sommarlovsaktiviteter")
    added = page.locator(".search-expansions")
    expect(added).to_contain_text("Sökte även på:")
    expect(added).to_contain_text("feriejobb")
    assert_accessible(page)

    with page.expect_response(lambda r: "exact=1" in r.url):
        added.get_by_role("link", name="Sök bara på det du skrev").click()
    expect(page).to_have_url(re.compile(r"exact=1"))
    expect(page.get_by_text("Sökte bara på det du skrev")).to_be_visible()
    expect(page.locator(".search-expansions")).to_have_count(0)


def test_a_likely_slip_is_corrected_and_the_page_offers_the_word_as_typed(new_page):
    page = new_page("coordinator")
    page.goto("/cases")
    search_for(page, "trygghetsvandirng")
    expect(page.get_by_text("Visar träffar för")).to_contain_text("trygghetsvandring")
    expect(page.locator(".result-list li").first).to_be_visible()
    page.get_by_role("link", name="trygghetsvandirng").click()
    expect(page).to_have_url(re.compile(r"exact=1"))
    expect(page.locator("#result-count")).to_contain_text("0 exempel")


def test_the_vocabulary_list_fits_a_phone(new_page, assert_accessible):
    """Its tables scroll in their own box; the page itself never scrolls sideways."""
    page = new_page("editor")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sokord?q=snatteri")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sökord och synonymer")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"/sokord scrolls {overflow} px sideways on a phone"
    assert_accessible(page)
