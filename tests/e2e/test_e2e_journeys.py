"""What people do in the browser: log in, write and review a case, search, and all by keyboard."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from e2e_support import DEMO_USERS

SEARCH_WORD = "trygghetsvandring"


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def htmx_search(page, action) -> None:
    """Do something that makes the search form ask for results, and wait for the swap."""
    with page.expect_response(lambda r: "/cases" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_function("() => !document.querySelector('#search-form.htmx-request')")
    page.wait_for_load_state()


def case_id_from(page) -> int:
    return int(re.search(r"/cases/(\d+)$", urlsplit(page.url).path).group(1))


# ---------------------------------------------------------------- logging in


def test_log_in_goes_back_to_the_page_asked_for(new_page):
    page = new_page()
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-postadress").fill(DEMO_USERS["coordinator"])
    page.get_by_label("Lösenord").fill("fel-losenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Fel e-postadress eller lösenord")
    expect(page.get_by_label("E-postadress")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Lösenord").fill("erfarenhet-demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sök goda exempel")
    expect(page.locator(".site-header")).to_contain_text("trygghetssamordnare", ignore_case=True)


# ---------------------------------------------------------------- write → review → publish


def test_write_return_fix_resubmit_publish(new_page, assert_accessible):
    title = "Zebralyktor vid Tensta centrum"
    staff = new_page("staff")
    staff.goto("/cases/new")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Nytt gott exempel")
    staff.get_by_label("Sammanfattning").fill("Boende och polis satte upp belysning tillsammans.")
    staff.get_by_label("Stadsdelsområde").select_option(label="Järva")
    staff.get_by_role("checkbox", name="Otrygga och brottsutsatta platser").check()

    # Submitting without a title: the form comes back in place with the error by the field.
    with staff.expect_response(lambda r: r.url.endswith("/cases/new")
                               and r.request.method == "POST") as answer:
        staff.get_by_role("button", name="Skicka för granskning").click()
    assert answer.value.status == 422
    summary = staff.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Rubrik")
    title_input = staff.locator("#title")
    expect(title_input).to_have_attribute("aria-invalid", "true")
    expect(title_input).to_have_attribute("aria-describedby", re.compile(r"\btitle-error\b"))
    error = staff.locator("#title-error")
    expect(error).to_contain_text("Rubrik")
    assert error.evaluate("e => e.closest('.field') === document.getElementById('title')"
                          ".closest('.field')")
    # What was typed survives the round trip.
    expect(staff.get_by_label("Sammanfattning")).to_have_value(
        "Boende och polis satte upp belysning tillsammans.")
    expect(staff.get_by_role("checkbox", name="Otrygga och brottsutsatta platser")).to_be_checked()
    # The summary links to the field.
    summary.get_by_role("link").first.click()
    expect(title_input).to_be_focused()
    # A second failed try moves focus to the new summary again.
    staff.get_by_role("button", name="Spara utkast").click()
    expect(staff.locator("#error-summary")).to_be_focused()

    title_input.fill(title)
    staff.get_by_role("button", name="Skicka för granskning").click()
    staff.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = case_id_from(staff)
    expect(staff.get_by_role("status")).to_contain_text("skickat för granskning")
    expect(staff.get_by_role("heading", level=1)).to_have_text(title)

    editor = new_page("editor")
    editor.goto("/review")
    editor.get_by_role("link", name=title).click()
    expect(editor).to_have_url(re.compile(rf"/cases/{case_id}$"))
    editor.get_by_label("Kommentar till författaren").fill(
        "Beskriv gärna hur ni följde upp tryggheten efteråt.")
    editor.get_by_role("button", name="Återsänd med kommentar").click()
    expect(editor.get_by_role("status")).to_contain_text("återsänt")

    staff.goto("/")
    staff.get_by_role("region", name="Mina utkast och återsända exempel") \
        .get_by_role("link", name=title).click()
    comment = staff.get_by_role("region", name="Redaktörens kommentar")
    expect(comment).to_contain_text("följde upp tryggheten")
    assert_accessible(staff)
    staff.get_by_role("link", name="Redigera").click()
    expect(staff).to_have_url(re.compile(rf"/cases/{case_id}/edit$"))
    assert_accessible(staff)
    staff.get_by_label("Resultat och uppföljning").fill(
        "Trygghetsmätningen ett år senare visade färre som undvek torget på kvällen.")
    staff.get_by_role("button", name="Skicka för granskning").click()
    staff.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    expect(staff.get_by_role("status")).to_contain_text("skickat för granskning")

    editor.goto(f"/cases/{case_id}")
    expect(editor.get_by_role("region", name="Resultat och uppföljning")).to_contain_text(
        "Trygghetsmätningen")
    editor.get_by_role("button", name="Publicera").click()
    expect(editor.get_by_role("status")).to_contain_text("publicerat")

    # Published means searchable for everyone (the outbox reached the index).
    coordinator = new_page("coordinator")
    coordinator.goto("/cases?q=zebralyktor")
    expect(coordinator.locator("#search-results")).to_contain_text(title)


# ---------------------------------------------------------------- searching


def test_search_filter_history_bookmark_and_open(new_page, assert_accessible):
    page = new_page("coordinator")
    page.goto("/cases")
    count = page.locator("#result-count")
    results = page.locator("#search-results")
    facets = page.locator("#facets")
    everything = count.inner_text()

    htmx_search(page, lambda: page.locator("#q").press_sequentially(SEARCH_WORD, delay=20))
    assert query(page)["q"] == [SEARCH_WORD]
    expect(count).to_contain_text(f"”{SEARCH_WORD}”")
    expect(page).to_have_title(f"Sök: {SEARCH_WORD} – Erfarenhetsbanken")
    searched = count.inner_text()
    assert searched != everything
    searched_titles = results.locator("h3").all_inner_texts()
    assert searched_titles

    area = facets.locator("input[name=area]").first
    area_value = area.get_attribute("value")
    htmx_search(page, area.check)
    assert query(page)["area"] == [area_value]
    expect(facets.locator(f"input[name=area][value='{area_value}']")).to_be_checked()
    filtered = count.inner_text()

    # A second facet after the first swap: the swapped-in checkboxes must trigger too.
    district = facets.locator("input[name=district]").first
    district_value = district.get_attribute("value")
    htmx_search(page, district.check)
    assert query(page)["district"] == [district_value]
    narrowed = count.inner_text()
    narrowed_titles = results.locator("h3").all_inner_texts()

    # Back and forward restore both the URL and the results.
    page.go_back()
    expect(page).not_to_have_url(re.compile("district="))
    expect(count).to_have_text(filtered)
    expect(page.locator("#q")).to_have_value(SEARCH_WORD)
    expect(facets.locator(f"input[name=area][value='{area_value}']")).to_be_checked()
    page.go_back()
    expect(page).not_to_have_url(re.compile("area="))
    expect(count).to_have_text(searched)
    expect(results.locator("h3")).to_have_text(searched_titles)
    assert_accessible(page)  # the page as a history restore rebuilt it
    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(re.compile(f"district={district_value}"))
    expect(count).to_have_text(narrowed)

    # The filtered URL works as a bookmark, in a page of its own.
    bookmark = page.url
    other = new_page("coordinator")
    other.goto(bookmark)
    expect(other.locator("#q")).to_have_value(SEARCH_WORD)
    expect(other.locator("#result-count")).to_have_text(narrowed)
    expect(other.locator(f"#facets input[name=area][value='{area_value}']")) \
        .to_be_checked()
    expect(other.locator(f"#facets input[name=district][value='{district_value}']")) \
        .to_be_checked()
    expect(other.locator("#search-results h3")).to_have_text(narrowed_titles)

    # Sorting is part of the URL as well.
    htmx_search(other, lambda: other.locator("#sort").select_option("newest"))
    assert query(other)["sort"] == ["newest"]

    first = other.locator("#search-results h3 a").first
    title = first.inner_text()
    first.click()
    expect(other).to_have_url(re.compile(r"/cases/\d+$"))
    expect(other.get_by_role("heading", level=1)).to_have_text(title)


def test_search_by_keyboard_only(new_page):
    page = new_page("coordinator")
    page.goto("/cases")

    def tab_to(predicate: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {predicate}; }})()"):
                return
        raise AssertionError(f"Tab never reached an element where {predicate}")

    # The first Tab stop is the skip link, and it is visible when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    tab_to("e.id === 'q'")
    htmx_search(page, lambda: page.keyboard.type(SEARCH_WORD, delay=20))
    assert query(page)["q"] == [SEARCH_WORD]

    tab_to("e.name === 'area'")
    area_value = page.evaluate("document.activeElement.value")
    htmx_search(page, lambda: page.keyboard.press("Space"))
    assert query(page)["area"] == [area_value]
    # Focus stays on the checkbox just ticked, so that the next Tab continues from there.
    expect(page.locator(f"#facets input[name=area][value='{area_value}']")).to_be_focused()
    expect(page.locator(f"#facets input[name=area][value='{area_value}']")).to_be_checked()

    tab_to("e.matches('#search-results .result-list h3 a')")
    title = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
