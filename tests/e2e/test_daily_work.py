"""The everyday journeys of staff, editors and coordinators, as a person clicks through them
(issue "The daily work, smooth"). Each test failed before its fix."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

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
