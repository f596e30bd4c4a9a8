"""/ogc/ read by the clients partners use: GDAL's OAPIF driver (ogrinfo, ogr2ogr) and OWSLib,
against the live portal and its demo data."""

import json
import os
import subprocess

import pytest
from owslib.ogcapi.features import Features

from cities.models import ContextFeature, District, Site

pytestmark = pytest.mark.django_db(transaction=False)


def gdal(*args: str) -> str:
    """Run a GDAL command as a partner would (without the portal's own GDAL settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True, timeout=300)
    return done.stdout


def test_ogrinfo_lists_the_collections_of_the_catalogue(site):
    out = gdal("ogrinfo", "-ro", f"OAPIF:{site}/ogc/")

    for name in ("sites (title: Manufacturing sites) (Point)", "zones", "districts",
                 "context-stations", "workspaces"):  # fmt: skip
        assert name in out


def test_ogr2ogr_reads_a_whole_collection_and_one_filtered_by_bbox_and_attribute(site, tmp_path):
    whole = tmp_path / "districts.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(whole), f"OAPIF:{site}/ogc/", "districts")
    count = gdal("ogrinfo", "-ro", "-so", str(whole), "districts")
    assert f"Feature Count: {District.objects.count()}" in count

    london = tmp_path / "london.gpkg"
    west, south, east, north = -0.2, 51.45, 0.0, 51.55
    box = [str(v) for v in (west, south, east, north)]
    gdal("ogr2ogr", "-f", "GPKG", str(london), f"OAPIF:{site}/ogc/", "sites",
         "-spat", *box, "-where", "sector = 25")  # fmt: skip
    expected = Site.objects.filter(
        sector_id=25, geom__intersects=f"SRID=4326;POLYGON(({west} {south},{east} {south},"
        f"{east} {north},{west} {north},{west} {south}))",
    ).count()  # fmt: skip
    assert expected > 0
    assert f"Feature Count: {expected}" in gdal("ogrinfo", "-ro", "-so", str(london), "sites")


def test_owslib_reads_collections_and_items_with_bbox_and_a_filter(site):
    api = Features(f"{site}/ogc/")

    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    assert {"sites", "zones", "districts"} <= set(api.feature_collections())
    page = api.collection_items("sites", bbox=[4.3, 50.8, 4.4, 50.9], limit=50, city="brussels")
    assert page["type"] == "FeatureCollection" and 0 < page["numberReturned"] <= 50
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 4.3 <= lon <= 4.4 and 50.8 <= lat <= 50.9
        assert feature["properties"]["city"] == "brussels"
    stations = api.collection_items("context-stations", limit=1000)
    expected = ContextFeature.objects.filter(layer__slug="stations").count()
    assert stations["numberMatched"] == stations["numberReturned"] == expected > 0
    filtered = api.collection_items("sites", filter="sector = 31 AND city = 'london'", limit=10)
    expected = Site.objects.filter(sector_id=31, city__slug="london").count()
    assert filtered["numberMatched"] == expected > 0
    assert {f["properties"]["sector"] for f in filtered["features"]} == {31}
    queryables = api.collection_queryables("sites")
    assert {"sector", "employees", "geometry"} <= set(queryables["properties"])
    assert json.dumps(page)  # plain JSON all through
