"""End-to-end fixtures: a real gunicorn server on loopback and Debian's Chromium via Playwright.

The server gets its own temporary SQLite file and Whoosh index, filled by `flask demo-data`,
and runs for the whole session. Each test gets a fresh browser context; logging in happens
once per role and the cookies are reused, so the suite stays fast and stays clear of the
login throttle.

Without /usr/bin/chromium the tests are skipped with a clear reason; under CI (the
environment variable CI is set) a missing Chromium is a failure instead.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from e2e_support import DEMO_USERS, axe_violations, describe_violations, log_in

E2E_DIR = Path(__file__).resolve().parent
PROJECT = E2E_DIR.parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MISSING_CHROMIUM = "Chromium saknas: installera Debian-paketet chromium"

TIMEOUT_MS = 10_000


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: real-browser test (Debian's Chromium against a gunicorn server)")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks below
def pytest_collection_modifyitems(config, items):
    chromium = chromium_available()
    for item in items:
        if E2E_DIR not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        # Under pytest-xdist (--dist loadgroup) the browser tests run in two groups, each on
        # one worker with its own gunicorn server and Chromium: the accessibility scans in
        # one, the journeys in the other, so that on two cores neither waits for the other.
        item.add_marker(pytest.mark.xdist_group(_browser_group(item)))
        if not chromium and not running_in_ci():
            item.add_marker(pytest.mark.skip(reason=MISSING_CHROMIUM))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Under `--dist loadgroup`, pytest-xdist marks a grouped test by a suffix on its node id.
    If a pytest upgrade stops that from taking (it did in pytest 9.2, see
    requirements-dev.txt), every worker would start its own server and browser and run a
    share of every group: say so instead of running slowly and oddly."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    ungrouped = [item.nodeid for item in session.items
                 if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if ungrouped:
        raise pytest.UsageError(
            "pytest-xdist grupperar inte testerna (xdist_group tar inte med denna pytest; "
            f"se requirements-dev.txt): {ungrouped[0]}")


def _browser_group(item) -> str:
    return ("browser-accessibility" if Path(str(item.fspath)).name == "test_accessibility.py"
            else "browser-journeys")


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, databases):
    """The base URL of a gunicorn server with demo data in a database of its own
    (SQLite, or PostgreSQL when the suite runs with TEST_DATABASE_URL)."""
    tmp = tmp_path_factory.mktemp("e2e")
    database_url = databases.create(tmp)
    env = {**os.environ,
           "DATABASE_URL": database_url,
           "INDEX_DIR": str(tmp / "index"),
           "SECRET_KEY": "e2e-test",
           "APP_ENV": "development"}
    subprocess.run([str(BIN / "flask"), "--app", "app", "demo-data"], cwd=PROJECT, env=env,
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp / "gunicorn.log", "wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("gunicorn startade inte:\n"
                                   + (tmp / "gunicorn.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()
        databases.drop(database_url)


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        pytest.fail(f"{MISSING_CHROMIUM} (CI kräver webbläsartesterna)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def new_page(browser, live_server):
    """new_page(role=None) → a page in a fresh context, logged in as the role if given."""
    contexts = []
    page_errors: list = []

    def make(role: str | None = None):
        state = _login_state(browser, live_server, role) if role else None
        context = browser.new_context(base_url=live_server, storage_state=state,
                                      locale="sv-SE", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{error}\n{error.stack}"))
        # A clean console on every page and after every swap: no CSP refusals (inline
        # script or style, eval), no failed loads (a missing favicon logs a 404 on every page).
        page.on("console", lambda message: message.type == "error"
                and not _expected_console_error(page, message)
                and page_errors.append(f"{page.url}: {message.text} {message.location}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not page_errors, "JavaScript, CSP or console errors in the page:\n" + "\n".join(page_errors)


def _expected_console_error(page, message) -> bool:
    """Answers a test provokes on purpose, which Chromium logs as failed loads: 422 for
    invalid input and 409 for an edit conflict (also from htmx), and 401 or 404 for the page
    itself (a failed login, a missing case)."""
    text = message.text
    if "Failed to load resource" not in text:
        return False
    if "status of 422" in text or "status of 409" in text:
        return True
    return (any(f"status of {code}" in text for code in (401, 404))
            and (message.location or {}).get("url") == page.url)


_states: dict[str, dict] = {}


def _login_state(browser, base_url: str, role: str) -> dict:
    """Log in once per role through the real form and keep the cookies."""
    if role not in _states:
        context = browser.new_context(base_url=base_url)
        page = context.new_page()
        log_in(page, DEMO_USERS[role])
        _states[role] = context.storage_state()
        context.close()
    return _states[role]


# ---------------------------------------------------------------- accessibility

@pytest.fixture
def assert_accessible():
    def check(page) -> None:
        violations = axe_violations(page)
        assert not violations, f"{page.url}\n{describe_violations(violations)}"
    return check
