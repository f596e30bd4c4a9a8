"""A partner's administrator makes a dataset and a token with a write scope; a script loads
5,000 sites into the dataset in one bulk request, retries it with the same Idempotency-Key
(nothing changes), ogr2ogr reads them back through /ogc/, and the administrator sees the
write in the organisation's audit, then revokes the token: the script's next write is
refused."""

import re
import uuid

from playwright.sync_api import expect

from cities.models import Site
from tests.e2e.conftest import sign_in
from tests.e2e.partner_helpers import forget, new_dataset, new_token, send, sites
from tests.e2e.test_ogc_clients import gdal


def test_a_partner_loads_5000_sites_in_bulk_retries_safely_and_a_revoke_stops_it(
    site, page, tmp_path
):
    sign_in(page, site, "pia", "/organisations/demo-research-partner/")
    suffix = uuid.uuid4().hex[:6]  # the database keeps earlier runs' rows
    slug = new_dataset(page, f"Workshops survey {suffix}")
    secret = new_token(page, f"Loader {suffix}")

    url = f"{site}/api/v1/datasets/{slug}/sites/bulk"
    body, key = sites(5000), f"load-{suffix}"
    status, answer, _headers = send(url, secret, body, key)
    assert status == 200, answer
    assert (answer["created"], answer["updated"], answer["deleted"]) == (5000, 0, 0)
    assert Site.objects.filter(dataset__slug=slug).count() == 5000

    status, again, headers = send(url, secret, body, key)  # the script retries
    assert status == 200 and again == answer and headers.get("Idempotent-Replayed") == "true"
    assert Site.objects.filter(dataset__slug=slug).count() == 5000

    # A colleague reads the dataset back whole into a GeoPackage through /ogc/.
    copy = tmp_path / "survey.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(copy), f"OAPIF:{site}/ogc/", "sites", "-oo",
         "PAGE_SIZE=1000", "-where", f"dataset = '{slug}'")  # fmt: skip
    assert "Feature Count: 5000" in gdal("ogrinfo", "-ro", "-so", str(copy), "sites")

    page.get_by_role("link", name="Back to the organisation").click()
    write = page.locator("#writes").get_by_role("row").filter(has_text=slug)
    expect(write).to_have_count(1)  # the retry wrote nothing, so is not in the audit
    expect(write).to_contain_text("5000")
    expect(write).to_contain_text(f"Loader {suffix}")
    page.shoot("organisation-writes")

    page.locator("#tokens").get_by_role("row").filter(has_text=f"Loader {suffix}").get_by_role(
        "link", name=re.compile("Revoke")
    ).click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_contain_text("no longer works")

    status, refused, _headers = send(url, secret, sites(1), f"after-{suffix}")
    assert status == 401 and "revoked" in refused["detail"]
    assert Site.objects.filter(dataset__slug=slug).count() == 5000
    forget(slug)
