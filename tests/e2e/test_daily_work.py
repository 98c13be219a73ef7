"""The everyday journeys of staff, editors and coordinators, as a person clicks through them
(issue "The daily work, smooth"). Each test failed before its fix, except the start page's
phone check, which guards the new header."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def htmx_swap(page, action) -> None:
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways"


# ---------------------------------------------------------------- console


def test_pages_have_an_icon_and_log_nothing(new_page):
    """Every page used to log a 404 for /favicon.ico (the fixture fails on console errors)."""
    page = new_page("coordinator")
    for path in ("/", "/cases", "/notiser"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200


# ---------------------------------------------------------------- following a search


def test_follow_this_search_on_a_freshly_loaded_page(new_page):
    page = new_page("coordinator")
    page.goto("/cases?q=trygghetsvandring")
    page.get_by_role("button", name="Följ den här sökningen").click()
    expect(page).to_have_url(re.compile(r"/installningar"))
    expect(page.get_by_role("status")).to_contain_text("Du följer nu")
    assert "csrf_token" not in page.url
    expect(page.locator("#bevakningar")).to_contain_text("trygghetsvandring")


# ---------------------------------------------------------------- write → decide → hear of it


def write_and_submit(page, title: str) -> int:
    page.goto("/cases/new")
    page.get_by_label("Rubrik").fill(title)
    page.get_by_label("Sammanfattning").fill("Boende och fältassistenter gick kvällsrundor.")
    page.get_by_label("Stadsdelsområde").select_option(label="Skarpnäck")
    page.get_by_role("checkbox", name="Otrygga och brottsutsatta platser").check()
    page.get_by_role("button", name="Skicka för granskning").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    return int(re.search(r"/cases/(\d+)$", page.url).group(1))


def test_the_editor_decides_and_the_author_hears_of_it(new_page, assert_accessible):
    title = "Kvällsrundor i Bagarmossen"
    staff = new_page("staff")
    case_id = write_and_submit(staff, title)
    expect(staff.get_by_role("status")).to_contain_text("skickat för granskning")

    editor = new_page("editor")
    editor.goto(f"/cases/{case_id}")
    actions = editor.get_by_role("region", name="Redaktörens åtgärder")
    # One clear choice: publish, or return with a comment, each under its own heading.
    expect(actions.get_by_role("heading", name="Publicera", exact=True)).to_be_visible()
    expect(actions.get_by_role("heading", name="Återsänd till författaren")).to_be_visible()
    expect(actions).to_contain_text("Välj ett av två")
    assert_accessible(editor)

    # An editor's edit of a submitted case is not "sent for review" again.
    editor.get_by_role("link", name="Redigera").click()
    editor.get_by_label("Mål", exact=True).fill("Färre som undviker centrum på kvällen.")
    editor.get_by_role("button", name="Spara ändringar").click()
    editor.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    expect(editor.get_by_role("status")).to_have_text(
        "Ändringarna är sparade. Exemplet väntar fortfarande på granskning.")

    editor.get_by_label("Kommentar till författaren").fill("Hur många var med på rundorna?")
    editor.get_by_role("button", name="Återsänd med kommentar").click()
    expect(editor.get_by_role("status")).to_contain_text("återsänt")
    # Nothing is left for the editor to do until the author sends it back.
    expect(editor.get_by_role("region", name="Redaktörens åtgärder")).to_have_count(0)

    # The author hears of it in the app, and finds the comment on the edit form.
    staff.goto("/notiser")
    note = staff.locator("#notiser li", has_text=title).first
    expect(note).to_contain_text("återsänts")
    expect(note).to_contain_text("Hur många var med på rundorna?")
    note.get_by_role("link", name=re.compile(title)).click()
    staff.get_by_role("link", name="Redigera").click()
    expect(staff.get_by_role("region", name="Redaktörens kommentar")).to_contain_text(
        "Hur många var med på rundorna?")
    assert_accessible(staff)
    staff.get_by_label("Resultat och uppföljning").fill("Omkring 40 boende var med varje kväll.")
    staff.get_by_role("button", name="Spara utkast").click()
    staff.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    # Editors see a returned case too: not "only you see it".
    expect(staff.get_by_role("status")).to_have_text(
        "Ändringarna är sparade. Skicka exemplet för granskning igen när du är klar.")
    staff.get_by_role("button", name="Skicka för granskning").click()
    expect(staff.get_by_role("status")).to_contain_text("skickat för granskning")

    editor.goto(f"/cases/{case_id}")
    editor.get_by_role("button", name="Publicera", exact=True).click()
    expect(editor.get_by_role("status")).to_contain_text("publicerat")
    editor.get_by_role("link", name="Redigera").click()
    editor.get_by_role("button", name="Spara ändringar").click()
    expect(editor.get_by_role("status")).to_have_text(
        "Ändringarna är sparade och syns nu för alla.")

    staff.goto("/notiser")
    expect(staff.locator("#notiser li", has_text=title).first).to_contain_text("är publicerat")


def test_publishing_despite_personal_data_without_a_reason_says_why(new_page):
    title = "Nattvandring med föräldrar i Farsta"
    staff = new_page("staff")
    case_id = write_and_submit(staff, title)
    editor = new_page("editor")
    editor.goto(f"/cases/{case_id}/edit")
    editor.get_by_label("Lärdomar").fill("Samordnaren har personnummer 19811218-9876.")
    editor.get_by_role("button", name="Spara ändringar").click()
    editor.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    editor.get_by_role("button", name="Publicera ändå").click()
    reason = editor.get_by_label("Motivering för att publicera ändå")
    expect(reason).to_have_attribute("aria-invalid", "true")
    error = editor.locator("#reason-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Motivering")
    assert error.evaluate("e => e.closest('.field').contains("
                          "document.getElementById('personal_data_reason'))")


def test_unread_badge_follows_mark_all_read(new_page):
    # A question on one of her published cases gives the author a notification.
    staff = new_page("staff")
    case_id = write_and_submit(staff, "Lyktor längs cykelvägen")
    editor = new_page("editor")
    editor.goto(f"/cases/{case_id}")
    editor.get_by_role("button", name="Publicera", exact=True).click()
    expect(editor.get_by_role("status")).to_contain_text("publicerat")
    coordinator = new_page("coordinator")
    coordinator.goto(f"/cases/{case_id}")
    coordinator.get_by_label("Ställ en fråga om exemplet").fill("Hur fick ni med skolorna?")
    coordinator.get_by_role("button", name="Skicka frågan").click()
    expect(coordinator.locator("#fragor")).to_contain_text("Hur fick ni med skolorna?")

    staff.goto("/notiser")
    badge = staff.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name=re.compile("^Notiser"))
    expect(badge).to_have_text(re.compile(r"Notiser \(\d+ oläst"))
    count = int(re.search(r"\((\d+)", badge.inner_text()).group(1))
    expect(staff.locator("#notiser [role=status]")).to_have_text(
        f"{count} oläst." if count == 1 else f"{count} olästa.")
    htmx_swap(staff, staff.get_by_role("button", name="Markera alla som lästa").click)
    expect(badge).to_have_text("Notiser")


# ---------------------------------------------------------------- drafts


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_an_incomplete_draft_saves_and_is_completed_at_submission(new_page, assert_accessible,
                                                                  viewport):
    staff = new_page("staff")
    if viewport:
        staff.set_viewport_size(viewport)
    staff.goto("/cases/new")
    no_sideways_scroll(staff)
    staff.get_by_label("Rubrik").fill(f"Idé om lekplatsbelysning ({viewport and 'mobil'})")
    staff.get_by_role("button", name="Spara utkast").click()
    staff.wait_for_url(re.compile(r"/cases/\d+$"))
    expect(staff.get_by_role("status")).to_contain_text("Utkastet är sparat")

    # Completeness is checked when she submits, with the names she sees in the form.
    staff.get_by_role("button", name="Skicka för granskning").click()
    summary = staff.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Sammanfattning: måste fyllas i.")
    expect(summary).to_contain_text("Stadsdelsområde: måste anges.")
    expect(summary).to_contain_text("Unga i riskzon för destruktivt beteende")
    expect(summary).not_to_contain_text("unga-i-riskzon")
    no_sideways_scroll(staff)
    assert_accessible(staff)


# ---------------------------------------------------------------- destructive actions


def test_archiving_asks_first_and_cancel_changes_nothing(new_page, assert_accessible):
    staff = new_page("staff")
    case_id = write_and_submit(staff, "Trygga entréer i Hökarängen")
    editor = new_page("editor")
    editor.goto(f"/cases/{case_id}")
    editor.get_by_role("button", name="Publicera", exact=True).click()
    expect(editor.get_by_role("status")).to_contain_text("publicerat")

    editor.get_by_role("button", name="Arkivera").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Arkivera exemplet?")
    expect(editor.locator("main")).to_contain_text("Trygga entréer i Hökarängen")
    assert_accessible(editor)
    editor.get_by_role("link", name="Avbryt").click()
    expect(editor).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(editor.locator(".case-header")).not_to_contain_text("Arkiverad")

    editor.get_by_role("button", name="Arkivera").click()
    editor.get_by_role("button", name="Ja, arkivera").click()
    expect(editor).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(editor.get_by_role("status")).to_contain_text("arkiverat")


def test_district_merge_error_sits_by_the_merge_form(new_page):
    editor = new_page("editor")
    editor.goto("/taxonomy")
    merge = editor.locator("form", has=editor.get_by_role("button", name="Slå ihop"))
    merge.get_by_role("checkbox", name="Farsta").check()
    merge.get_by_role("button", name="Slå ihop").click()
    merge = editor.locator("form", has=editor.get_by_role("button", name="Slå ihop"))
    expect(merge.locator(".field-error")).to_contain_text("Nytt namn")
    expect(merge.get_by_label("Nytt namn")).to_have_attribute("aria-invalid", "true")
    revision = editor.locator("form", has=editor.get_by_role("button",
                                                             name="Påbörja revidering"))
    expect(revision.locator(".field-error")).to_have_count(0)


# ---------------------------------------------------------------- phone (390 px) and feedback


def test_search_on_a_phone_shows_results_first(new_page, assert_accessible):
    page = new_page("coordinator")
    page.set_viewport_size(PHONE)
    page.goto("/cases")
    no_sideways_scroll(page)
    # The header is two short rows, and "Logga ut" stays on one line.
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < PHONE["height"] / 6, header
    logout = page.get_by_role("button", name="Logga ut").bounding_box()
    assert logout["height"] < 30, logout
    # The first result is on the first screen; the filters wait behind "Filtrera".
    expect(page.locator("#search-results h3 a").first).to_be_in_viewport()
    filters = page.locator("#filters")
    expect(filters.get_by_role("checkbox").first).to_be_hidden()
    expect(filters.locator("summary")).to_contain_text("inga filter valda")
    filters.locator("summary").click()
    area = filters.locator("input[name=area]").first
    label = area.evaluate("e => e.labels[0].textContent").split("(")[0].strip()
    htmx_swap(page, area.check)
    # The disclosure stays open, and its summary names what is chosen.
    expect(area).to_be_visible()
    expect(filters.locator("summary")).to_contain_text(f"1 valt: {label}")
    no_sideways_scroll(page)
    assert_accessible(page)


def test_paging_shows_the_new_results_from_the_top_and_a_loading_line(new_page):
    page = new_page("coordinator")
    page.goto("/cases")
    loading = page.locator(".search-loading")
    expect(loading).to_be_hidden()
    held = []
    page.route(re.compile(r"/cases\?.*page=2"), lambda route: held.append(route))
    page.get_by_role("link", name="Nästa sida").scroll_into_view_if_needed()
    page.get_by_role("link", name="Nästa sida").click()
    # While the answer is on its way, the page says so.
    expect(loading).to_be_visible()
    expect(loading).to_have_text("Uppdaterar träffarna …")
    page.wait_for_function("() => true")  # let the route handler run
    with page.expect_response(re.compile(r"page=2")):
        held[0].continue_()
    expect(page.locator(".pager")).to_contain_text("Sida 2 av")
    expect(loading).to_be_hidden()
    expect(page.locator("#traffar")).to_be_focused()
    expect(page.locator("#search-results h3 a").first).to_be_in_viewport()


def test_skip_link_to_the_results(new_page):
    page = new_page("coordinator")
    page.goto("/cases")
    page.locator("#q").focus()
    for _ in range(3):  # past the sort order and the search button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Hoppa till träffarna":
            break
    skip = page.get_by_role("link", name="Hoppa till träffarna")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next Tab stop is in the results, not 49 presses through the filters.
    assert page.evaluate("!!document.activeElement.closest('#traffar')")


@pytest.mark.parametrize("path,role", [("/admin/users", "admin"), ("/admin/audit", "admin"),
                                       ("/review", "editor"), ("/", "staff")])
def test_pages_do_not_scroll_sideways_on_a_phone(new_page, assert_accessible, path, role):
    page = new_page(role)
    page.set_viewport_size(PHONE)
    page.goto(path)
    no_sideways_scroll(page)
    assert_accessible(page)


# ---------------------------------------------------------------- keyboard and dates


def test_error_summary_link_to_the_areas_lands_on_a_checkbox(new_page):
    staff = new_page("staff")
    staff.goto("/cases/new")
    staff.get_by_label("Rubrik").fill("Utan område")
    staff.get_by_role("button", name="Skicka för granskning").click()
    summary = staff.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("Prioriterade samverkansområden")).click()
    expect(staff.get_by_role("checkbox", name="Unga i riskzon för destruktivt beteende")) \
        .to_be_focused()


def test_dates_are_typed_as_yyyy_mm_dd_in_an_english_browser(browser, live_server):
    from e2e_support import DEMO_USERS, log_in

    context = browser.new_context(base_url=live_server, locale="en-US")
    try:
        page = context.new_page()
        log_in(page, DEMO_USERS["staff"])
        page.goto("/cases/new")
        page.get_by_label("Rubrik").fill("Datum i engelsk webbläsare")
        start = page.get_by_label("Startdatum")
        start.press_sequentially("2025-03-31")
        expect(start).to_have_value("2025-03-31")
        page.get_by_role("button", name="Spara utkast").click()
        page.wait_for_url(re.compile(r"/cases/\d+$"))
        expect(page.locator(".facts")).to_contain_text("2025-03-31")
    finally:
        context.close()


# ---------------------------------------------------------------- exports


def test_the_search_export_speaks_swedish(new_page):
    page = new_page("coordinator")
    page.goto("/cases?q=trygghetsvandring")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("som CSV")).click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    header = text.splitlines()[0].split(";")
    assert header[:4] == ["Nummer", "Rubrik", "Stadsdelsområde",
                          "Prioriterade samverkansområden"], header
    assert "'- " not in text and "**" not in text


# ---------------------------------------------------------------- feeds


def test_a_theme_offers_a_ready_feed_address_to_copy(new_page, live_server):
    import urllib.request

    editor = new_page("editor")
    editor.goto("/teman/nytt")
    editor.get_by_label("Rubrik").fill("Kvällsljus")
    editor.get_by_role("button", name=re.compile("Skapa|Spara")).first.click()
    editor.wait_for_url(re.compile(r"/teman/.+/redigera"))

    page = new_page("coordinator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/teman")
    page.get_by_role("link", name="Kvällsljus").click()
    page.get_by_role("link", name="Atom-flöde för flödesläsare").click()
    expect(page.locator("#floden")).to_contain_text("Tema: Kvällsljus")
    page.locator("#floden").get_by_role("button", name=re.compile("flödesnyckel")).click()
    address = page.get_by_label("Tema: Kvällsljus")
    expect(address).to_have_value(re.compile(r"/feeds/teman/kvallsljus\?token=ef_"))
    # The clipboard only takes text from the focused page, and the editor's page was opened
    # in the same browser: a person copies from the page in front of her.
    page.bring_to_front()
    page.get_by_role("button", name="Kopiera adressen för Tema: Kvällsljus").click()
    expect(page.locator(".copy-done").first).to_have_text("Kopierad")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == address.input_value()
    # A feed reader, with no login, reads it.
    with urllib.request.urlopen(copied.replace("http://erfarenhetsbanken.test", live_server)
                                if copied.startswith("http://erfarenhetsbanken.test")
                                else copied) as answer:
        assert answer.status == 200 and b"<feed" in answer.read()


def test_the_search_page_offers_a_feed_for_the_search(new_page):
    page = new_page("coordinator")
    page.goto("/cases?q=trygghetsvandring")
    page.get_by_role("link", name="Atom-flöde för den här sökningen").click()
    expect(page.locator("#floden")).to_contain_text("Sökning:")
    expect(page.locator("#floden")).to_contain_text("trygghetsvandring")


# ---------------------------------------------------------------- themes


def test_an_editor_adds_a_case_to_a_theme_by_its_title(new_page, assert_accessible):
    editor = new_page("editor")
    editor.goto("/cases?q=trygghetsvandring")
    title = editor.locator("#search-results h3 a").first.inner_text()
    editor.goto("/teman/nytt")
    editor.get_by_label("Rubrik").fill("Vandringar")
    editor.get_by_role("button", name="Spara temat").click()
    editor.wait_for_url(re.compile(r"/teman/.+/redigera"))

    words = " ".join(title.split()[:2])
    htmx_swap(editor, lambda: editor.get_by_label("Lägg till ett publicerat exempel")
              .press_sequentially(words, delay=20))
    suggestions = editor.locator("#case-suggestions")
    expect(suggestions.get_by_role("button", name=re.compile(re.escape(title)))).to_be_visible()
    assert_accessible(editor)
    htmx_swap(editor, suggestions.get_by_role("button", name=re.compile(re.escape(title))).click)
    expect(editor.get_by_role("region", name="Exempel i temat")).to_contain_text(title)
    expect(editor.locator("#exempel").get_by_role("status")).to_contain_text("Exemplet är tillagt")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_headings_have_room_below_the_header(new_page, viewport):
    page = new_page("staff")
    if viewport:
        page.set_viewport_size(viewport)
    for path in ("/", "/cases/new"):
        page.goto(path)
        header = page.locator(".site-header").bounding_box()
        first = page.locator("main > *").first.bounding_box()
        assert first["y"] - (header["y"] + header["height"]) >= 16, (path, header, first)


def test_the_editors_decision_on_a_phone(new_page, assert_accessible):
    staff = new_page("staff")
    case_id = write_and_submit(staff, "Trygghetsvärdar på Skarpnäcks torg")
    editor = new_page("editor")
    editor.set_viewport_size(PHONE)
    editor.goto(f"/cases/{case_id}")
    actions = editor.get_by_role("region", name="Redaktörens åtgärder")
    expect(actions.get_by_role("button", name="Publicera", exact=True)).to_be_visible()
    no_sideways_scroll(editor)
    assert_accessible(editor)
    editor.get_by_role("button", name="Återsänd med kommentar").click()  # no comment yet
    expect(editor.locator("#comment-error")).to_be_visible()
    no_sideways_scroll(editor)
