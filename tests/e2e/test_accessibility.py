"""axe-core (WCAG 2.0/2.1 A and AA rules) finds nothing on any page, including after htmx swaps."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e_support import axe_violations, describe_violations


def test_login_page(new_page, assert_accessible):
    page = new_page()
    page.goto("/login")
    assert_accessible(page)


def test_login_page_with_an_error(new_page, assert_accessible):
    page = new_page()
    page.goto("/login")
    page.get_by_label("E-postadress").fill("ingen@exempel.se")
    page.get_by_label("Lösenord").fill("fel-losenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("role", ["staff", "coordinator", "editor", "admin"])
def test_start_page(new_page, assert_accessible, role):
    page = new_page(role)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_search_page_and_after_a_facet_swap(new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/cases")
    assert_accessible(page)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.locator("#facets input[name=area]").first.check()
    expect(page).to_have_url(re.compile("area="))
    page.wait_for_function("() => !document.querySelector('#search-form.htmx-request')")
    assert_accessible(page)


def test_search_without_hits(new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/cases?q=xqzwvy")
    assert_accessible(page)


def test_case_page(new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/cases")
    page.locator("#search-results h3 a").first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    assert_accessible(page)


def test_case_page_as_editor(new_page, assert_accessible):
    page = new_page("editor")
    page.goto("/cases")
    page.locator("#search-results h3 a").first.click()
    expect(page.get_by_role("region", name="Redaktörens åtgärder")).to_be_visible()
    assert_accessible(page)


def test_case_form_empty_and_with_errors(new_page, assert_accessible):
    page = new_page("staff")
    page.goto("/cases/new")
    assert_accessible(page)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Skicka för granskning").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)


def test_review_queue_and_a_submitted_case(new_page, assert_accessible):
    staff = new_page("staff")
    staff.goto("/cases/new")
    staff.get_by_label("Rubrik").fill("Axe-granskat exempel")
    staff.get_by_label("Sammanfattning").fill("Ett exempel som väntar på granskning.")
    staff.get_by_label("Stadsdelsområde").select_option(label="Farsta")
    staff.get_by_role("checkbox", name="Systemhotande brottslighet").check()
    staff.get_by_role("button", name="Skicka för granskning").click()
    staff.wait_for_url(re.compile(r"/cases/\d+$"))
    assert_accessible(staff)  # the author's view with the flash message

    editor = new_page("editor")
    editor.goto("/review")
    expect(editor.get_by_role("table")).to_be_visible()
    assert_accessible(editor)
    editor.get_by_role("link", name="Axe-granskat exempel").click()
    editor.get_by_role("button", name="Återsänd med kommentar").click()  # empty comment
    expect(editor.locator("#comment-error")).to_be_visible()
    assert_accessible(editor)


@pytest.mark.parametrize("link", ["Användare", "Logg"])
def test_admin_pages(new_page, assert_accessible, link):
    page = new_page("admin")
    page.goto("/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("role,path", [
    (None, "/tillganglighet"),
    ("coordinator", "/statistik"),
    ("coordinator", "/sammanstallning?year=2024"),
    ("editor", "/sammanstallning?year=2024"),       # with the plan and publish buttons
    ("editor", "/sammanstallning/2024/plan"),
    ("coordinator", "/stadsdelar"),
    ("admin", "/stadsdelar/farsta"),                # with the coordinator forms
    ("coordinator", "/stadsdelar/farsta/overenskommelse"),
    ("coordinator", "/teman"),
    ("coordinator", "/notiser"),
    ("coordinator", "/installningar"),
    ("coordinator", "/sparade"),
    ("editor", "/taxonomy"),
    ("editor", "/aktualitet"),
    ("editor", "/sokord"),
    ("editor", "/sokord/ny"),
    ("coordinator", "/konto/losenord"),
    ("admin", "/admin/tokens"),
])
def test_follow_up_exchange_and_taxonomy_pages(new_page, assert_accessible, role, path):
    page = new_page(role)
    response = page.goto(path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_vocabulary_form_with_errors_and_the_filtered_list(new_page, assert_accessible):
    page = new_page("editor")
    page.goto("/sokord/ny")
    page.get_by_label("Typ *", exact=True).select_option(label="Plats → stadsdelsområde")
    page.get_by_label("Sökord *", exact=True).fill("Sätraängen")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Spara").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#district-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Stadsdelsområde").select_option(label="Skärholmen")
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(re.compile(r"/sokord\?kind=place"))
    expect(page.get_by_role("row", name=re.compile("Sätraängen"))).to_be_visible()
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Innehåller").fill("sätra")
    expect(page).to_have_url(re.compile("q=s"))
    expect(page.locator("#vocabulary-count")).to_contain_text("som innehåller")
    assert_accessible(page)


def test_change_password_form_with_errors(new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/konto/losenord")
    page.get_by_label("Nuvarande lösenord").fill("fel-losenord")
    page.get_by_label("Nytt lösenord", exact=True).fill("sommar2024")
    page.get_by_label("Upprepa nytt lösenord").fill("sommar2025")
    page.get_by_role("button", name="Byt lösenord").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#new_password-error")).to_contain_text("vanligaste")
    assert_accessible(page)


def test_not_found_page(new_page, assert_accessible):
    page = new_page("staff")
    response = page.goto("/cases/999999")
    assert response.status == 404
    assert_accessible(page)


def test_the_check_can_fail(new_page, live_server):
    """A page with an image without alt text and an unlabelled field must not pass."""
    page = new_page()
    page.goto("/healthz")
    page.set_content('<!doctype html><html lang="sv"><head><title>Trasig</title></head>'
                     '<body><main><h1>Trasig sida</h1><img src="/static/favicon.svg">'
                     '<input type="text" name="x"></main></body></html>')
    assert page.url.startswith(live_server)
    violations = axe_violations(page)
    found = {violation["id"] for violation in violations}
    assert {"image-alt", "label"} <= found, describe_violations(violations)


def test_edit_conflict_comes_back_in_place_with_focus_and_no_violations(new_page,
                                                                       assert_accessible):
    first, second = new_page("editor"), new_page("editor")  # two tabs, or two editors
    first.goto("/cases")
    first.locator("#search-results h3 a").first.click()
    first.get_by_role("link", name="Redigera").click()
    second.goto(first.url)
    first.get_by_label("Mål", exact=True).fill("Färre anmälda rån vid stationen (ändrat i första fliken).")
    first.get_by_role("button", name="Spara ändringar").click()
    first.wait_for_url(re.compile(r"/cases/\d+$"))

    typed = "Lärdom skriven i andra fliken, som inte får försvinna."
    second.get_by_label("Lärdomar").fill(typed)
    with second.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        second.get_by_role("button", name="Spara ändringar").click()
    expect(second.locator("#conflict-summary")).to_be_focused()
    expect(second.get_by_label("Lärdomar")).to_have_value(typed)
    expect(second.get_by_label("Mål", exact=True)).to_have_value(
        "Färre anmälda rån vid stationen (ändrat i första fliken).")
    assert_accessible(second)
    second.get_by_role("button", name="Spara ändringar").click()
    second.wait_for_url(re.compile(r"/cases/\d+$"))
    expect(second.get_by_text(typed, exact=True)).to_be_visible()
