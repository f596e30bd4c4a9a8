"""A person browses /ogc/ from the portal's footer: the service, its collections, and a page
of features on a map, then the next page."""

from playwright.sync_api import expect


def test_a_visitor_browses_the_ogc_api_from_the_footer_to_a_page_of_features(site, page):
    page.goto(f"{site}/")
    page.get_by_role("contentinfo").get_by_role("link", name="OGC API – Features").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("OGC API – Features")
    expect(page.get_by_text(f"OAPIF:{site}/ogc/")).to_be_visible()  # how to connect GDAL
    page.shoot("ogc-landing")
    page.get_by_role("link", name="The collections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collections")
    page.shoot("ogc-collections")
    page.get_by_role("link", name="Manufacturing sites").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Manufacturing sites")
    expect(page.get_by_role("note")).to_contain_text("synthetic")
    expect(page.locator("#ogc-map")).to_have_attribute("data-feature-count", "50")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(50)
    first_id = rows.first.locator("td").first.inner_text()
    page.shoot("ogc-items")
    page.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(50)
    assert int(rows.first.locator("td").first.inner_text()) > int(first_id)
