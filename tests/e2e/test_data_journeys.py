"""A data manager adds a city from two files, imports its sites, fixes the report, downloads."""

import json
import math
import os
import re
import subprocess
import uuid

import mapbox_vector_tile
import pyarrow as pa
import pytest
from playwright.sync_api import expect

from tests.cities.gis_io import samples
from tests.e2e.conftest import sign_in
from tests.workers import celery_worker

# Newtown, somewhere no demo city is (degrees, EPSG:4326).
WEST, SOUTH = 5.00, 51.00


@pytest.fixture
def worker(site):
    """A real Celery worker for the imports queue, beside the live server."""
    with celery_worker("imports") as controller:
        yield controller


def files(tmp_path):
    outline = tmp_path / "newtown-outline.geojson"
    outline.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Newtown"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [samples.square(WEST, SOUTH, 0.1)],
                        },
                    }
                ],
            }
        )
    )
    districts = tmp_path / "newtown-districts.geojson"
    districts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"naam": name, "code": code},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [samples.square(WEST + dx, SOUTH, 0.05)],
                        },
                    }
                    for name, code, dx in (("Oud-West", "NT01", 0.0), ("Nieuw-Oost", "NT02", 0.05))
                ],
            }
        )
    )
    rows = 21
    sites = tmp_path / "newtown-sites.gpkg"
    table = pa.table(
        {
            "ref": [f"NT-{i + 1}" for i in range(rows)],
            "naam": [f"Werkplaats {i + 1}" for i in range(rows)],
            "nace": ["Brewing" if i == 2 else ("25.62", "C31", "10")[i % 3] for i in range(rows)],
            "werknemers": pa.array([i + 2 for i in range(rows)], pa.int32()),
            "geometry": pa.array(
                [
                    samples.point(WEST + 0.005 + 0.004 * i, SOUTH + 0.01 + 0.003 * i)
                    for i in range(rows)
                ],
                pa.binary(),
            ),
        }
    )
    samples._write(
        table, sites, driver="GPKG", layer="werkplaatsen", geometry_type="Point", crs="EPSG:4326"
    )
    return outline, districts, sites, rows


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def wait_for_step(page, heading: str) -> None:
    """The page follows the running job and reloads when it ends."""
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)


def commit_new_dataset(page, name: str) -> None:
    page.get_by_label("Into a new dataset").check()
    page.get_by_label("Dataset name").fill(name)
    page.get_by_label("Publisher").fill("Newtown GIS department")
    page.get_by_label("Licence").select_option("CC-BY-4.0")
    page.get_by_label("Quality").select_option("official")
    page.get_by_role("button", name=re.compile(r"^Commit \d+ rows")).click()
    wait_for_step(page, "Committed")


def test_a_data_manager_adds_a_city_imports_its_sites_fixes_the_report_and_downloads_them(
    site, page, worker, tmp_path
):
    outline, districts, sites, rows = files(tmp_path)
    tag = uuid.uuid4().hex[:6]
    name, slug = f"Newtown {tag}", f"newtown-{tag}"
    sign_in(page, site, "dana", "/dashboard/")
    page.get_by_role("link", name="Open the data area").click()
    page.get_by_role("link", name="Add a city").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Identifier").fill(slug)
    page.get_by_label("Country code").fill("NL")
    page.get_by_label("File", exact=True).set_input_files(str(outline))
    page.get_by_role("button", name="Upload the outline").click()
    wait_for_step(page, "What the file holds")
    page.shoot("outline-inspected")
    page.get_by_role("button", name="Validate every row").click()
    wait_for_step(page, "Validation report")
    expect(page.get_by_role("status").filter(has_text="rows read")).to_contain_text("Errors: 0.")
    commit_new_dataset(page, f"Newtown boundary {tag}")

    page.get_by_role("link", name=re.compile("Next: import the districts of")).click()
    expect(page.get_by_label("What the file holds")).to_have_value("districts")
    page.get_by_label("File", exact=True).set_input_files(str(districts))
    page.get_by_role("button", name="Upload and inspect").click()
    wait_for_step(page, "What the file holds")
    expect(page.get_by_label("Name", exact=True)).to_have_value("naam")  # suggested in Dutch
    page.get_by_label("Identifier", exact=True).select_option("code")
    page.get_by_role("button", name="Validate every row").click()
    wait_for_step(page, "Validation report")
    commit_new_dataset(page, f"Newtown districts {tag}")

    page.get_by_role("link", name="Import another file for this city").click()
    page.get_by_label("What the file holds").select_option("sites")
    page.get_by_label("File", exact=True).set_input_files(str(sites))
    page.get_by_role("button", name="Upload and inspect").click()
    wait_for_step(page, "What the file holds")
    expect(page.locator(".facts-table")).to_contain_text("werkplaatsen")
    page.shoot("sites-mapping")
    page.get_by_role("button", name="Validate every row").click()
    wait_for_step(page, "Validation report")
    report = page.locator("#report")
    expect(report).to_contain_text("Brewing")
    expect(report.get_by_role("row").nth(1)).to_contain_text("3")  # row 3 of the file
    expect(page.get_by_role("button", name=re.compile(r"^Commit"))).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the whole report (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        assert "Brewing" in fh.read()
    page.shoot("report-with-error")

    page.get_by_label("Brewing").select_option("11")
    page.get_by_role("button", name="Map these codes and validate again").click()
    wait_for_step(page, "Validation report")
    expect(page.get_by_role("status").filter(has_text="rows read")).to_contain_text(
        f"{rows} rows read. Errors: 0."
    )
    commit_new_dataset(page, f"Newtown workshops {tag}")
    expect(page.get_by_role("status").filter(has_text="rows created")).to_contain_text(
        f"{rows} rows created"
    )
    page.shoot("committed")

    with page.expect_response(lambda r: "/tiles/sites/" in r.url and r.status == 200):
        page.get_by_role("link", name=f"{name} on the map").click()
    expect(page.locator("#city-map")).to_have_class(re.compile("is-loaded"))
    # The tile the map draws over the first workshops holds them.
    z, x, y = tile_of(WEST + 0.005, SOUTH + 0.01, 14)
    tile = mapbox_vector_tile.decode(page.request.get(f"{site}/tiles/sites/{z}/{x}/{y}.pbf").body())
    assert len(tile["sites"]["features"]) >= 1
    expect(page.locator("#data")).not_to_contain_text("No manufacturing sites yet.")
    page.shoot("city-map")
    with page.expect_download() as download:
        page.get_by_role("link", name="GeoPackage – Manufacturing sites").click()
    assert download.value.suggested_filename.startswith(f"{slug}-sites-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", download.value.path()],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert f"Feature Count: {rows}" in info and "LICENCE=CC-BY-4.0" in info

    # The dataset page tells where the sites came from; deleting it asks first and takes
    # every row at once.
    page.goto(f"{site}/staff/data/")
    page.get_by_role("link", name=f"Newtown workshops {tag}", exact=True).click()
    expect(page.locator(".facts-table")).to_contain_text("Newtown GIS department")
    expect(page.locator(".facts-table")).to_contain_text("CC-BY-4.0")
    expect(page.get_by_role("table").first).to_contain_text(str(rows))
    page.shoot("dataset")
    page.get_by_role("link", name="Delete this dataset").click()
    expect(page.locator(".count-list")).to_contain_text(f"{rows} manufacturing sites")
    page.shoot("dataset-delete")
    page.get_by_role("button", name="Delete the dataset and these rows").click()
    expect(page.locator(".messages, [role=status], .message").first).to_contain_text("are gone")
    page.goto(f"{site}/cities/{slug}/")
    expect(page.locator("#data")).to_contain_text("No manufacturing sites yet.")
