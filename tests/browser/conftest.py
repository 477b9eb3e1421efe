"""Playwright driving Debian's Chromium (headless); a screenshot is kept when a test fails."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Error as PlaywrightError

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, running its application for one request at a time.

    On in-memory SQLite the live server's threads share the test's one connection, so two requests
    at once (a page loading several document previews in frames) can start a transaction inside
    another's and fail. Connections are still accepted and kept alive by their own threads; only
    the application call is taken in turn, and static and media files are served at once. PostgreSQL gives each thread its own connection and is
    left as Django serves it.
    """

    _turn = threading.Lock()

    def set_app(self, application):
        from django.conf import settings

        files = tuple(prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix and prefix != "/")

        def in_turn(environ, start_response):
            if files and environ.get("PATH_INFO", "").startswith(files):
                return application(environ, start_response)  # static and media files never touch the database
            with self._turn:
                response = application(environ, start_response)
                try:  # a streamed body is read here too: its iterator may still use the database
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(in_turn)


@pytest.fixture(scope="session", autouse=True)
def live_server_in_turn_on_sqlite(django_db_setup):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        LiveServerThread.server_class = OneRequestAtATimeServer
    yield


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it when run as root")
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def csp_violations_watch(page, violations: list[str]) -> None:
    """Collect what the browser says about the Content-Security-Policy on this page."""
    def console(message):
        if "content security policy" in message.text.lower():
            violations.append(f"{page.url}: {message.text}")

    def page_error(error):
        if "content security policy" in str(error).lower():
            violations.append(f"{page.url}: {error}")

    page.on("console", console)
    page.on("pageerror", page_error)


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts (one per person in the journey).

    Every page is watched for Content-Security-Policy violations: one in the console fails the
    test at teardown, with the page and the message.
    """
    contexts = []
    violations: list[str] = []

    def make(viewport=None):
        context = browser.new_context(locale="ko-KR", viewport=viewport or {"width": 390, "height": 844})
        context.set_default_timeout(15_000)
        context.on("page", lambda page: csp_violations_watch(page, violations))  # pop-ups too
        contexts.append(context)
        page = context.new_page()
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True)
    for context in contexts:
        # Let the server finish what the pages asked (a click's page load, a fetch) before the
        # database is emptied for the next test: the live server shares SQLite's connection.
        for page in context.pages:
            try:
                page.wait_for_load_state("networkidle", timeout=5_000)
            except PlaywrightError:
                pass
        context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser console:\n" + "\n".join(violations))


@pytest.fixture
def pg(settings):
    """The fake PG (tests/orders/fake_gateway.py) serving its stand-in SDK and REST API, and the settings
    pointing at it."""
    from tests.orders.fake_gateway import FakeGateway

    gateway = FakeGateway().start()
    settings.PAYMENT_GATEWAY_URL = gateway.url
    settings.PAYMENT_SDK_URL = gateway.url + "/v2/standard"
    settings.PAYMENT_TIMEOUT_SECONDS = 5
    yield gateway
    gateway.stop()
