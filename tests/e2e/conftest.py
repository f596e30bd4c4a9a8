"""Browser journeys: Playwright for Python driving Debian's Chromium against a live server."""

import os
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connection
from django.test.testcases import LiveServerThread
from playwright.sync_api import sync_playwright

from cities.models import City
from tests.conftest import load_demo_data

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

# The (synthetic) research partner of the demo data, which holds API tokens.
PARTNER = "demo-research-partner"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


# Minutes of one worker's time: started first, so the other worker runs the rest meanwhile.
FIRST = ("test_api_contract.py",)


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: Path(str(item.fspath)).name not in FIRST)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    """A live server for the whole run, on the demo data committed at set-up.

    Not pytest-django's `live_server`: that one flushes the database after
    every test, and reloading the demo data each time would cost seconds.
    Browser tests only read; the server thread sees committed data only.
    """
    with django_db_blocker.unblock():
        ensure_demo_committed()
        # Photos an earlier run's journeys uploaded: their files went with that run's folder.
        from stakeholders.models import WorkspacePhoto

        WorkspacePhoto.objects.all().delete()
        server = LiveServerThread("localhost", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://localhost:{server.port}"
        server.terminate()
        # Request threads on kept-alive sockets may still hold a connection:
        # end them, or the test database could not be dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


PASSWORD = "a-long-test-password"


def sign_in(page, site, username: str, next_path: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/accounts/login/?next={next_path}")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def ensure_demo_committed() -> None:
    """The demo data and the journeys' people, committed: a transactional test on this
    worker may have flushed them since the session began."""
    from stakeholders.models import Organisation

    if not (City.objects.exists() and Organisation.objects.filter(slug=PARTNER).exists()):
        load_demo_data()
    _people()


def _people() -> None:
    """Edith is project staff (editor and moderator); Mo is a maker with no staff rights;
    Otto works for the city of Brussels and administers its office on the portal; Dana
    manages data (imports, new cities, datasets); Pia administers a research partner."""
    from django.contrib.auth.models import Group

    from stakeholders.models import User

    staff = [Group.objects.get_or_create(name=name)[0] for name in ("editors", "moderators")]
    data = [Group.objects.get_or_create(name="data-managers")[0]]
    people = (("edith", staff), ("mo", []), ("otto", []), ("dana", data), ("pia", []))
    for username, groups in people:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
            user.groups.set(groups)
            user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    # Otto administers Brussels' (synthetic) economic development office.
    from stakeholders.models import Membership, Organisation, Workspace

    office = Organisation.objects.get(slug="demo-brussels-administration")
    Membership.objects.get_or_create(
        organisation=office, user=User.objects.get(username="otto"), defaults={"role": "admin"}
    )
    # Pia administers the (synthetic) research partner, which holds API tokens.
    Membership.objects.get_or_create(
        organisation=Organisation.objects.get(slug=PARTNER),
        user=User.objects.get(username="pia"),
        defaults={"role": "admin"},
    )
    # Mo keeps two published demo workspaces, one for each viewport's dashboard journey.

    mo = User.objects.get(username="mo")
    if not mo.workspaces.exists():
        listed = Workspace.objects.filter(status="approved", closed_at=None, city__slug="london")
        Workspace.objects.filter(
            pk__in=list(listed.order_by("pk").values_list("pk", flat=True)[:2])
        ).update(owner=mo)


@pytest.fixture
def site(live_url, demo):
    """The live portal's address; the test itself may read the demo data."""
    return live_url


class Console:
    """Everything the page wrote to the console at warning level or above, and uncaught errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.expected: list[str] = []

    def expect(self, text: str) -> None:
        """A message the test provokes on purpose (e.g. a 403 it asks for)."""
        self.expected.append(text)

    def on_message(self, message) -> None:
        if message.type in ("error", "warning"):
            if any(text in message.text for text in self.expected):
                return
            self.problems.append(f"{message.type}: {message.text} ({message.location})")

    def on_error(self, error) -> None:
        self.problems.append(f"uncaught: {error}")

    def on_request_failed(self, request) -> None:
        # Leaving a page cancels what it was still loading: not a fault.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")


def _open_page(browser, viewport: str, request):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-GB")
    page = context.new_page()
    console = Console()
    page.on("console", console.on_message)
    page.on("pageerror", console.on_error)
    page.on("requestfailed", console.on_request_failed)
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


@pytest.fixture(scope="session")
def e2e_uploads(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-uploads")


@pytest.fixture(autouse=True)
def _media_root(settings, e2e_uploads):
    """One upload folder for the whole browser run (overrides the per-test one): the live
    server shows later tests the photos that earlier journeys uploaded."""
    settings.MEDIA_ROOT = str(e2e_uploads / "media")
    settings.PRIVATE_UPLOAD_ROOT = e2e_uploads / "private"
