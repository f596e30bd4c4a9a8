"""What a partner's administrator and loading script do in the browser journeys: make a
dataset (under embargo or not) and a token on the organisation's page, send GeoJSON in
bulk, and clear the committed rows afterwards."""

import json
import random
import urllib.error
import urllib.request

from playwright.sync_api import expect

from cities.models import Dataset, Import, Site
from stakeholders.models import ApiWrite

# Brussels, where the demo data is: the sites must be inside the city's outline.
BRUSSELS = (4.33, 50.83, 4.40, 50.87)


def new_dataset(page, name: str, *, embargo_until: str | None = None) -> str:
    """From the organisation's page: a Brussels dataset; its identifier for the API."""
    page.get_by_role("link", name="New dataset").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("City").select_option(label="Brussels-Capital Region")
    page.get_by_label("How it was made").select_option(label="Partial")
    if embargo_until:
        page.get_by_label("Under embargo until").fill(embargo_until)
    page.shoot("dataset-form")
    page.get_by_role("button", name="Create the dataset").click()
    expect(page.get_by_role("status").first).to_contain_text("is ready")
    return page.locator("#datasets li").filter(has_text=name).locator("code").inner_text()


def new_token(page, name: str) -> str:
    """From the organisation's page: a token that writes sites; its secret, shown once."""
    page.get_by_role("link", name="New token").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("checkbox", name="Write manufacturing sites").check()
    page.get_by_role("button", name="Create the token").click()
    return page.get_by_label("Token").input_value()


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


def forget(slug: str) -> None:
    """The journey's rows are committed: they go, so the demo cities stay as other tests
    expect them (the audit row goes with its organisation's test data)."""
    Import.objects.filter(dataset__slug=slug).delete()
    Site.objects.filter(dataset__slug=slug).delete()
    ApiWrite.objects.filter(dataset_slug=slug).delete()
    Dataset.objects.filter(slug=slug).delete()
