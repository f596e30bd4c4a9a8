"""A partner's administrator makes an API token, a script reads the API with it, and the
administrator revokes it: the script's next call is refused."""

import json
import re
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def call(url: str, secret: str) -> tuple[int, dict]:
    """What a partner's script does: one GET with the token, as urllib sends it."""
    assert url.startswith("http://localhost:")
    headers = {"Authorization": f"Bearer {secret}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_partner_admin_makes_a_token_a_script_uses_it_and_a_revoke_stops_it(site, page):
    sign_in(page, site, "pia", "/organisations/demo-research-partner/")
    expect(page.get_by_role("heading", level=2, name="API tokens")).to_be_visible()
    page.get_by_role("link", name="New token").click()
    name = f"Nightly sync {uuid.uuid4().hex[:6]}"  # the database keeps earlier runs' tokens
    page.get_by_label("Name").fill(name)
    expect(page.get_by_role("checkbox", name="Read the API")).to_be_checked()
    page.get_by_label("Note").fill("The lab's cron job")
    page.shoot("token-form")
    page.get_by_role("button", name="Create the token").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    secret = page.get_by_label("Token").input_value()
    assert re.fullmatch(r"com_[0-9a-f]{8}_[\w-]{43}", secret)
    page.shoot("token-created")

    status, body = call(f"{site}/api/v1/cities/", secret)
    assert status == 200
    assert {f["id"] for f in body["features"]} >= {"brussels", "london", "rotterdam-the-hague"}

    page.get_by_role("link", name="Back to the organisation").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("127.0.0.1")  # its last use, seen from the script
    expect(page.locator("#tokens")).not_to_contain_text(secret)
    page.shoot("token-list")

    row.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token?")
    page.shoot("token-revoke")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_contain_text("no longer works")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Revoked")

    status, body = call(f"{site}/api/v1/cities/", secret)
    assert status == 401 and "revoked" in body["detail"]
