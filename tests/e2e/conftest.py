"""Browser journeys: Playwright for Python driving Debian's Chromium against a live server."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in
# fixtures and tests are still synchronous, so let them through.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    """A live server with the demo data, as after `make run`."""
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server


class Console:
    """Everything the page wrote to the console at warning level or above, and uncaught errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def on_message(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text} ({message.location})")

    def on_error(self, error) -> None:
        self.problems.append(f"uncaught: {error}")


def _open_page(browser, viewport: str, request):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-GB")
    page = context.new_page()
    console = Console()
    page.on("console", console.on_message)
    page.on("pageerror", console.on_error)
    page.on("requestfailed", lambda r: console.problems.append(f"request failed: {r.url}"))
    page.console = console
    page.shoot = lambda name: page.screenshot(
        path=ARTIFACTS / f"{request.node.name}-{viewport}-{name}.png", full_page=True
    )
    return context, page


@pytest.fixture(params=list(VIEWPORTS))
def page(browser, request):
    """A fresh page on a desktop and on a phone; fails the test on any console error."""
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _open_page(browser, request.param, request)
    yield page
    context.close()
    assert page.console.problems == [], page.console.problems
