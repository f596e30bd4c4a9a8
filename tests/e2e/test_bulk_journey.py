"""A partner's administrator makes a dataset and a token with a write scope; a script loads
5,000 sites into the dataset in one bulk request, retries it with the same Idempotency-Key
(nothing changes), ogr2ogr reads them back through /ogc/, and the administrator sees the
write in the organisation's audit, then revokes the token: the script's next write is
refused."""

import json
import random
import re
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import expect

from cities.models import Dataset, Import, Site
from stakeholders.models import ApiWrite
from tests.e2e.conftest import sign_in
from tests.e2e.test_ogc_clients import gdal

# Brussels, where the demo data is: the sites must be inside the city's outline.
BRUSSELS = (4.33, 50.83, 4.40, 50.87)


def send(url: str, secret: str, body: dict, key: str) -> tuple[int, dict, dict]:
    """What a partner's loading script does: one POST of GeoJSON with the token."""
    assert url.startswith("http://localhost:")
    request = urllib.request.Request(  # noqa: S310 (checked above)
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/geo+json",
                 "Idempotency-Key": key},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), dict(error.headers)


def sites(n: int) -> dict:
    rng = random.Random(7)
    xmin, ymin, xmax, ymax = BRUSSELS
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [rng.uniform(xmin, xmax),
                                                       rng.uniform(ymin, ymax)]},
         "properties": {"external_id": f"ws-{i}", "name": f"Workshop {i}",
                        "sector": rng.choice([16, 25, 31]), "employees": rng.randint(1, 40)}}
        for i in range(n)
    ]}  # fmt: skip


def test_a_partner_loads_5000_sites_in_bulk_retries_safely_and_a_revoke_stops_it(
    site, page, tmp_path
):
    sign_in(page, site, "pia", "/organisations/demo-research-partner/")
    suffix = uuid.uuid4().hex[:6]  # the database keeps earlier runs' rows
    page.get_by_role("link", name="New dataset").click()
    page.get_by_label("Name").fill(f"Workshops survey {suffix}")
    page.get_by_label("City").select_option(label="Brussels-Capital Region")
    page.get_by_label("How it was made").select_option(label="Partial")
    page.shoot("dataset-form")
    page.get_by_role("button", name="Create the dataset").click()
    expect(page.get_by_role("status").first).to_contain_text("is ready")
    listed = page.locator("#datasets li").filter(has_text=f"Workshops survey {suffix}")
    slug = listed.locator("code").inner_text()

    page.get_by_role("link", name="New token").click()
    page.get_by_label("Name").fill(f"Loader {suffix}")
    page.get_by_role("checkbox", name="Write manufacturing sites").check()
    page.get_by_role("button", name="Create the token").click()
    secret = page.get_by_label("Token").input_value()

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


def forget(slug: str) -> None:
    """The journey's rows are committed: they go, so the demo cities stay as other tests
    expect them (the audit row goes with its organisation's test data)."""
    Import.objects.filter(dataset__slug=slug).delete()
    Site.objects.filter(dataset__slug=slug).delete()
    ApiWrite.objects.filter(dataset_slug=slug).delete()
    Dataset.objects.filter(slug=slug).delete()
