"""An official uses the toolkit; a staff editor writes it; others are kept out of /staff/."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_an_official_searches_combines_facets_opens_prints_and_follows_a_case(site, page):
    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Toolkit").click()
    page.get_by_label("Search the toolkit").fill("industrial land")
    page.get_by_role("button", name="Search", exact=True).click()
    count = page.locator(".results__count")
    expect(count).to_contain_text("tools")
    everything = int(re.search(r"\d+", count.inner_text()).group())

    facets = page.locator("details.facets")
    if facets.get_attribute("open") is None:  # folded on a phone
        facets.locator("summary").click()
    page.get_by_role("checkbox", name=re.compile(r"^Space")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Public authority")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"dimension=space"))
    expect(page).to_have_url(re.compile(r"audience=public-authority"))
    narrowed = int(re.search(r"\d+", count.inner_text()).group())
    assert 0 < narrowed <= everything
    page.shoot("search")

    page.locator(".tool-list h3 a").first.click()
    expect(page.locator("h2", has_text="Solution")).to_be_visible()
    title = page.locator("h1").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download as PDF")).to_be_hidden()
    expect(page.locator("h1")).to_have_text(title)
    page.shoot("print")
    page.emulate_media(media="screen")

    page.goto(site + "/toolkit/shared-machine-workshops/")
    cases = page.locator("#cases-title + .cases-layout .link-cards a")
    expect(page.locator("#mini-map")).to_have_attribute("data-point-count", re.compile(r"^[1-9]"))
    cases.first.click()
    expect(page.get_by_role("note")).to_contain_text("illustrative composite")
    page.get_by_role("link", name=re.compile(r"^See it on the map of")).click()
    expect(page.locator("#city-map")).to_have_class(re.compile("is-loaded"))
    expect(page).to_have_url(re.compile(r"/cities/[a-z-]+/\?layers=.*map=15"))


def test_the_questionnaire_recommends_an_ordered_path_with_reasons(site, page):
    page.goto(site + "/toolkit/")
    page.get_by_role("link", name="Where do I start? Get a path of tools").click()
    page.get_by_label("Your city").select_option("london")
    page.get_by_label("Your main challenge").select_option("rising-rents")
    page.get_by_label("You are").select_option("maker")
    page.get_by_label("The effort you can put in now").select_option("low")
    page.get_by_role("button", name="Show my path").click()
    steps = page.locator(".path__step")
    expect(steps.first).to_be_visible()
    assert 3 <= steps.count() <= 6
    expect(steps.first.locator(".path__why")).to_contain_text("Why:")
    page.shoot("path")


def test_a_staff_editor_drafts_previews_publishes_edits_diffs_and_reverts_a_tool(site, page):
    sign_in(page, site, "edith", "/staff/")
    expect(page.locator("h1")).to_have_text("Staff area")
    page.get_by_role("link", name="New tool").first.click()
    page.get_by_label("Title (English)").fill("Walk a street and count its makers")
    page.get_by_label("Summary (English)").fill(
        "A morning's survey that finds the workshops no register shows."
    )
    page.get_by_label("Dimension").select_option("technology-resources")
    steps = page.get_by_label("Steps")
    steps.fill("1. Pick a street\n2. **Count** every workshop")
    preview = page.locator("[data-preview-for='id_steps'] .markdown-preview__body")
    expect(preview.locator("strong")).to_have_text("Count")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.locator(".workflow .status")).to_have_text("Draft")
    page.shoot("draft")

    page.get_by_role("link", name="Preview").click()
    expect(page.locator(".preview-banner")).to_contain_text("Draft")
    expect(page.locator("h1")).to_have_text("Walk a street and count its makers")
    page.get_by_role("link", name="Back to editing").click()

    page.get_by_role("button", name="Send for review").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".workflow .status")).to_have_text("Published")

    page.get_by_label("Title (English)").fill("Walk every street and count its makers")
    page.get_by_label("What changed (for the history)").fill("Every street")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("link", name="History", exact=True).click()
    page.get_by_role("button", name="Compare the two versions").click()
    expect(page.locator(".diff")).to_contain_text("every")
    expect(page.locator(".diff ins")).to_have_text("every")
    page.shoot("diff")

    page.get_by_role("link", name="Back to the history").click()
    page.get_by_role("button", name="Revert to this").first.click()
    expect(page.get_by_role("status")).to_contain_text("earlier version is back")
    expect(page.get_by_label("Title (English)")).to_have_value("Walk a street and count its makers")


def test_an_anonymous_visitor_and_a_maker_cannot_reach_the_staff_area(site, page):
    page.console.expect("status of 403")  # the refusal below is the point
    page.goto(site + "/staff/")
    expect(page.locator("h1")).to_have_text("Sign In")
    sign_in(page, site, "mo", "/staff/")
    expect(page.locator("h1")).to_have_text("Not allowed")
    assert page.locator("textarea").count() == 0
