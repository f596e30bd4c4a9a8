"""A partner finds the API documentation and reads the cities as GeoJSON."""

from playwright.sync_api import expect


def test_a_partner_opens_the_api_documentation_from_the_navigation(site, page):
    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API").click()

    # The schema is built on first request: on a busy machine that takes more than 5 s.
    expect(page.locator(".swagger-ui .title")).to_contain_text(
        "Cities of Making API", timeout=30_000
    )
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/districts/", exact=True).first).to_be_visible()
    page.shoot("api-docs")


def test_a_partner_reads_a_city_as_geojson(site, page):
    response = page.goto(site + "/api/v1/cities/london/?format=json")
    assert response.status == 200
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["district_count"] == 33
