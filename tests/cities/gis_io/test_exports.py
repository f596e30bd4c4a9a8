"""Every layer of the catalogue as a file, read back whole by GDAL's own tools."""

import csv
import io
import json
import os
import subprocess

import pytest
from django.contrib.gis.geos import Point

from cities.models import Site
from tests.cities.gis_io.pipeline import commit, upload, validate
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db

FORMATS = ["geojson", "csv", "gpkg", "fgb"]


def gdal(*args: str) -> str:
    """Run a GDAL command as a partner would (without the portal's own GDAL settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True, timeout=60)
    return done.stdout


def download(client, url: str, tmp_path, name: str):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return response, path


def feature_count(path) -> int:
    # CSV: GDAL reads WKT from the column named WKT when told to.
    options = ["-oo", "GEOM_POSSIBLE_NAMES=wkt"] if path.suffix == ".csv" else []
    out = gdal("ogrinfo", "-ro", "-so", "-al", *options, str(path))
    return sum(int(line.split(":")[1]) for line in out.splitlines() if "Feature Count" in line)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_of_the_sites_is_read_whole_by_ogrinfo(client, demo, tmp_path, fmt):
    response, path = download(client, f"/export/sites.{fmt}?city=london", tmp_path, f"s.{fmt}")
    assert feature_count(path) == Site.objects.filter(city__slug="london").count() == 5000
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="london-sites-') and f'.{fmt}"' in disposition
    )


def test_filters_are_those_of_the_map(client, demo, tmp_path):
    _, path = download(
        client, "/export/sites.geojson?city=brussels&sector=25&year=2015", tmp_path, "s.geojson"
    )
    data = json.loads(path.read_text())
    wanted = (
        Site.objects.filter(city__slug="brussels", sector_id=25)
        .exclude(year_closed__lte=2015)
        .exclude(year_opened__gt=2015)
    )
    assert len(data["features"]) == wanted.count() > 0
    assert {f["properties"]["sector"] for f in data["features"]} == {25}
    first = data["features"][0]
    assert first["id"] == first["properties"].get("id", first["id"])  # RFC 7946 id at the top
    _, path = download(
        client,
        "/export/sites.csv?city=brussels&bbox=4.35,50.84,4.36,50.85&geometry=lonlat",
        tmp_path,
        "b.csv",
    )
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows and all(4.35 <= float(r["longitude"]) <= 4.36 for r in rows)


def test_licence_and_provenance_travel_inside_the_file(client, demo, tmp_path):
    _, path = download(client, "/export/districts.gpkg?city=brussels", tmp_path, "d.gpkg")
    info = gdal("ogrinfo", "-ro", "-so", str(path), "districts")
    assert "LICENCE=CC0-1.0" in info and '"quality": "synthetic"' in info
    assert "manufacturing_jobs: Real" in info  # the districts carry their statistics
    _, path = download(
        client, "/export/zones.geojson?city=brussels&year=2009", tmp_path, "z.geojson"
    )
    data = json.loads(path.read_text())
    assert data["licence"] == "CC0-1.0"
    assert data["provenance"]["datasets"][0]["quality"] == "synthetic"
    assert {f["properties"]["year"] for f in data["features"]} == {2009}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imports_back_to_the_same_rows(client, importville, tmp_path, fmt):
    dataset = DatasetFactory()
    for i in range(3):
        Site.objects.create(
            city=importville,
            dataset=dataset,
            external_id=f"R{i}",
            name=f"Round {i} – é",
            sector_id=25,
            employees=i,
            geom=Point(4.3 + i / 100, 50.8 + i / 97, srid=4326),
        )
    _, path = download(client, f"/export/sites.{fmt}?dataset={dataset.slug}", tmp_path, f"r.{fmt}")
    imp = commit(validate(upload(path, "sites", importville)))
    assert imp.errors == 0
    before = Site.objects.filter(dataset=dataset).order_by("external_id")
    after = Site.objects.filter(dataset=imp.dataset).order_by("external_id")
    assert [(s.external_id, s.name, s.sector_id, s.employees) for s in before] == [
        (s.external_id, s.name, s.sector_id, s.employees) for s in after
    ]
    assert all(a.geom.equals_exact(b.geom, 1e-7) for a, b in zip(before, after, strict=True))


def test_ogr2ogr_converts_an_export_to_another_format(client, demo, tmp_path):
    _, path = download(client, "/export/workspaces.fgb?city=rotterdam-the-hague", tmp_path, "w.fgb")
    out = tmp_path / "w.shp"
    gdal("ogr2ogr", "-f", "ESRI Shapefile", str(out), str(path))
    assert feature_count(out) == feature_count(path) > 0


def test_workspaces_export_only_consented_contact_details(client, demo, tmp_path):
    from stakeholders.models import Workspace

    _, path = download(client, "/export/workspaces.geojson", tmp_path, "w.geojson")
    features = json.loads(path.read_text())["features"]
    listed = Workspace.objects.filter(status="approved", closed_at=None)
    assert len(features) == listed.count()
    private = {w.slug for w in listed.filter(contact_public=False)}
    assert private and all(
        f["properties"]["email"] is None for f in features if f["properties"]["slug"] in private
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/export/sites.gpkg?city=atlantis", "There is no city"),
        ("/export/sites.csv?sector=99", "10 to 33"),
        ("/export/sites.geojson?bbox=1,2,3", "four numbers"),
        ("/export/sites.csv?geometry=x", "wkt or lonlat"),
        ("/export/sites.gpkg?dataset=nope", "no dataset"),
    ],
)
def test_bad_filters_are_a_400_with_a_message(client, db, url, words):
    response = client.get(url)
    assert response.status_code == 400 and words in response.json()["detail"]


def test_an_unknown_layer_or_format_is_a_404(client, db):
    assert client.get("/export/secrets.gpkg").status_code == 404
    assert client.get("/export/sites.xlsx").status_code == 404


def test_api_collections_link_to_the_whole_layer_as_files(client, demo):
    links = client.get("/api/v1/sites/?city=london&sector=25&limit=1").json()["links"]
    files = {link["type"]: link["href"] for link in links if link["rel"] == "enclosure"}
    assert files["application/geopackage+sqlite3"] == (
        "http://testserver/export/sites.gpkg?city=london&sector=25"
    )
    assert set(files) == {
        "application/geo+json",
        "text/csv",
        "application/geopackage+sqlite3",
        "application/flatgeobuf",
    }
    links = client.get("/api/v1/zones/?city=brussels&year=2009").json()["links"]
    assert "http://testserver/export/zones.fgb?city=brussels&year=2009" in {
        link["href"] for link in links
    }
