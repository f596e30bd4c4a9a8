"""A partner's administrator makes a dataset under embargo, loads sites into it with a token,
sees that visitors do not get them while the token does, then lifts the embargo from the
organisation's page and the sites are public."""

import json
import re
import urllib.request
import uuid
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.partner_helpers import forget, new_dataset, new_token, send, sites


def read(url: str, secret: str | None = None) -> dict:
    assert url.startswith("http://localhost:")
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (checked above)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.load(response)


def test_a_partner_keeps_data_under_embargo_then_publishes_it(site, page):
    sign_in(page, site, "pia", "/organisations/demo-research-partner/")
    suffix = uuid.uuid4().hex[:6]
    until = timezone.now().date() + timedelta(days=120)
    slug = new_dataset(page, f"Unpublished survey {suffix}", embargo_until=until.isoformat())
    listed = page.locator("#datasets li").filter(has_text=f"Unpublished survey {suffix}")
    expect(listed).to_contain_text("Under embargo until")
    page.shoot("dataset-under-embargo")
    # Its public page says until when, and offers nothing to download yet.
    listed.get_by_role("link", name=f"Unpublished survey {suffix}", exact=True).click()
    expect(page.locator(".notice").first).to_contain_text("Under embargo until")
    expect(page.get_by_role("link", name=re.compile("GeoJSON"))).to_have_count(0)
    page.shoot("dataset-page-under-embargo")
    page.go_back()
    secret = new_token(page, f"Loader {suffix}")
    status, answer, _headers = send(
        f"{site}/api/v1/datasets/{slug}/sites/bulk", secret, sites(20), f"e-{suffix}"
    )
    assert status == 200, answer

    items = f"{site}/ogc/collections/sites/items?city=brussels&filter=dataset%3D%27{slug}%27"
    assert read(items)["numberReturned"] == 0  # a visitor, QGIS without the token
    assert read(items, secret)["numberReturned"] == 20  # the partner's own QGIS

    page.goto(f"{site}/organisations/demo-research-partner/#datasets")
    listed = page.locator("#datasets li").filter(has_text=f"Unpublished survey {suffix}")
    listed.get_by_role("link", name="Change or lift the embargo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Embargo of")
    page.shoot("dataset-embargo")
    page.get_by_label("Under embargo until").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("is public")

    assert read(items)["numberReturned"] == 20
    forget(slug)
