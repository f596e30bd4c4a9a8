"""A Brussels official runs the industrial land change, follows it, reads, downloads, publishes;
a visitor then finds the result and shows it on the city map; the official deletes it."""

import csv
import io
import re
import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, VIEWPORTS, sign_in
from tests.e2e.map_helpers import open_layers
from tests.workers import celery_worker


@pytest.fixture
def worker(site):
    """A real Celery worker for the analyses queue, beside the live server."""
    with celery_worker("analyses") as controller:
        yield controller


class HeldRun:
    """Holds the result features' table under a lock (reads still pass, writes wait), so the
    run waits on its first write as on a long statement: its progress shows meanwhile."""

    def __init__(self) -> None:
        self.connection = connections.create_connection("default")
        self.connection.set_autocommit(False)
        with self.connection.cursor() as cursor:
            cursor.execute("LOCK TABLE cities_analysisfeature IN SHARE MODE")
        # Never held for long, whatever happens to the test.
        self.timer = threading.Timer(30, self.release)
        self.timer.start()

    def release(self) -> None:
        self.timer.cancel()
        if self.connection.connection is not None:
            self.connection.rollback()
            self.connection.close()


def test_an_official_runs_land_change_follows_it_publishes_and_a_visitor_finds_it(
    site, page, worker, browser
):
    sign_in(page, site, "otto", "/cities/brussels/")
    page.get_by_role("link", name="The analyses of Brussels").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Map analyses of Brussels")
    page.get_by_role("link", name="Run industrial land change").click()
    expect(page.get_by_label("Earlier year")).to_have_value("2009")
    expect(page.get_by_label("Later year")).to_have_value("2019")
    page.shoot("form")

    held = HeldRun()
    try:
        page.get_by_role("button", name="Run the analysis").click()
        expect(page).to_have_url(re.compile(r"/cities/brussels/analyses/\d+/$"))
        job = page.locator("#job")
        # The bar moves while the run works, without a reload.
        expect(job).to_have_attribute("data-status", "running", timeout=15_000)
        expect(page.locator("#job-title")).to_have_text("Working…")
        expect(page.locator("#job-message")).to_contain_text("Starting")
        expect(page.locator("progress.job__bar")).to_have_js_property("value", 2)
        page.shoot("running")
    finally:
        held.release()

    # Finished: the page reloads itself with the result.
    figures = page.locator("#totals-title")
    expect(figures).to_be_visible(timeout=30_000)
    expect(page.locator("section.figures")).to_contain_text("Hectares lost")
    districts = page.locator("#result-districts")
    expect(districts).to_contain_text("Anderlecht")
    expect(districts.locator("tbody tr").first).to_be_visible()
    expect(page.locator("#analysis-map")).to_have_class(re.compile("is-loaded"))
    expect(page.locator("#analysis-map")).to_have_attribute("data-features", re.compile(r"^[1-9]"))
    page.shoot("result")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download “By district” \(CSV\)")).click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["District", "Lost (ha)"] and len(rows) > 5
    shown = districts.locator("tbody tr").count()
    assert len(rows) - 1 == shown

    page.get_by_role("button", name="Publish this result").click()
    expect(page.get_by_role("status").first).to_contain_text("Published: everyone can now see")
    result_url = page.url

    visitor_context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
    try:
        visitor = visitor_context.new_page()
        visitor.goto(site + "/cities/brussels/analyses/")
        number = result_url.rstrip("/").rsplit("/", 1)[1]
        visitor.get_by_role("link", name=f"Industrial land change #{number}").click()
        expect(visitor.locator("#result-districts")).to_contain_text("Anderlecht")
        expect(visitor.get_by_role("button", name="Publish this result")).to_have_count(0)
        expect(visitor.get_by_role("button", name="Unpublish")).to_have_count(0)
        visitor.screenshot(path=ARTIFACTS / "analysis-published-result.png", full_page=True)
        # A partner takes the same layer into QGIS: it is a collection of /ogc/.
        visitor.get_by_role("link", name=f"analysis-{number}-lost").click()
        expect(visitor.get_by_role("heading", level=1)).to_contain_text("Industrial land lost")
        expect(visitor.locator("table tbody tr").first).to_be_visible()
        expect(visitor.get_by_text("Features on this page are synthetic")).to_be_visible()
        visitor.screenshot(path=ARTIFACTS / "analysis-as-ogc-collection.png", full_page=True)

        # The published result is a layer of the city map, off until it is ticked.
        visitor.goto(site + "/cities/brussels/")
        city_map = visitor.locator("#city-map")
        expect(city_map).to_have_class(re.compile("is-loaded"))
        expect(city_map).not_to_have_attribute("data-analysis-count", re.compile("."))
        open_layers(visitor)
        box = visitor.get_by_role(
            "checkbox", name=f"Industrial land lost (Industrial land change, #{number})"
        )
        expect(box).not_to_be_checked()
        box.check()
        expect(city_map).to_have_attribute("data-analysis-count", re.compile(r"^[1-9]"))
        assert f"analysis-{number}-lost" in visitor.url
        visitor.locator("#city-map").screenshot(path=ARTIFACTS / "analysis-on-the-city-map.png")
    finally:
        visitor_context.close()

    # The next run of this journey (the other viewport) starts afresh.
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/cities/brussels/analyses/$"))
    expect(page.get_by_role("link", name=f"Industrial land change #{number}")).to_have_count(0)
