"""The import pipeline from file to rows: every format and target, the report, the modes."""

import json

import pyarrow as pa
import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import override_settings

from cities.gis_io import steps
from cities.gis_io.validation import validate_staged
from cities.jobs import job_cancel, job_execute
from cities.models import (
    City,
    ContextFeature,
    Dataset,
    District,
    Import,
    Indicator,
    Job,
    LandZone,
    MaterialCategory,
    MaterialFlow,
    Site,
    StagedRow,
    ZoningCategory,
)
from tests.cities.gis_io import samples
from tests.cities.gis_io.pipeline import DATASET, commit, report, upload, validate
from tests.factories import DatasetFactory, DistrictFactory

pytestmark = pytest.mark.django_db


def sites_file(path, rows):
    """A GeoPackage layer "workshops" of (ref, name, nace, staff, lon, lat) rows."""
    table = pa.table(
        {
            "ref": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "nace": [r[2] for r in rows],
            "staff": pa.array([r[3] for r in rows], pa.int32()),
            "geometry": pa.array([samples.point(r[4], r[5]) for r in rows], pa.binary()),
        }
    )
    samples._write(
        table, path, driver="GPKG", layer="workshops", geometry_type="Point", crs="EPSG:4326"
    )
    return path


WORKSHOPS = [
    ("W1", "Atelier Zoë", "C25", 4, 4.35, 50.85),
    ("W2", "Brasserie Ölé", "11.05", 12, 4.36, 50.84),
    ("W3", "Menuiserie Dubois", "Brewing", 3, 4.37, 50.86),  # a label the portal lacks
    ("W4", "Print shop", "18", 7, 4.34, 50.83),
]


def test_sites_are_validated_before_anything_is_written_then_committed_with_provenance(
    importville, tmp_path
):
    imp = upload(sites_file(tmp_path / "w.gpkg", WORKSHOPS), "sites", importville)
    assert imp.stage == Import.Stage.MAP
    assert imp.mapping["fields"] == {
        "external_id": "ref",
        "name": "name",
        "sector": "nace",
        "employees": "staff",
    }
    assert imp.srid == 4326 and imp.rows_total == 4

    imp = validate(imp)
    assert imp.stage == Import.Stage.REVIEW and imp.errors == 1
    assert report(imp) == [
        (3, "sector", "Brewing", "Not a NACE manufacturing division (10 to 33): map it to one.")
    ]
    assert not Site.objects.filter(city=importville).exists()
    with pytest.raises(steps.ImportRefused, match="1 errors"):
        commit(imp)

    imp = validate(imp, values={"sector": {"Brewing": "11"}})
    assert imp.errors == 0
    imp = commit(imp)
    assert imp.stage == Import.Stage.DONE, imp.job.message
    assert imp.committed == {"created": 4, "updated": 0, "deleted": 0}
    sites = {s.external_id: s for s in Site.objects.filter(city=importville)}
    assert {k: (s.sector_id, s.employees) for k, s in sites.items()} == {
        "W1": (25, 4),
        "W2": (11, 12),
        "W3": (11, 3),
        "W4": (18, 7),
    }
    assert sites["W1"].name == "Atelier Zoë"
    assert sites["W2"].geom.coords == pytest.approx((4.36, 50.84))
    assert {s.min_zoom for s in sites.values()} == {8}  # ranked for the map's tiles
    dataset = imp.dataset
    assert (dataset.name, dataset.licence, dataset.source, str(dataset.reference_date)) == (
        "Test import",
        "CC-BY-4.0",
        "https://example.org/data",
        "2024-06-30",
    )
    assert dataset.quality == "official" and dataset.imported_at is not None
    assert not StagedRow.objects.filter(upload=imp).exists()


def test_replace_swaps_the_rows_and_upsert_updates_by_identifier(importville, tmp_path):
    first = commit(
        validate(upload(sites_file(tmp_path / "a.gpkg", WORKSHOPS[:2]), "sites", importville))
    )
    dataset = first.dataset
    changed = [("W1", "Atelier Zoë", "C25", 40, 4.35, 50.85), ("W9", "New", "31", 1, 4.36, 50.86)]

    upsert = commit(
        validate(upload(sites_file(tmp_path / "b.gpkg", changed), "sites", importville)),
        "upsert",
        dataset,
    )
    assert upsert.committed == {"created": 1, "updated": 1, "deleted": 0}
    rows = dict(Site.objects.filter(dataset=dataset).values_list("external_id", "employees"))
    assert rows == {"W1": 40, "W2": 12, "W9": 1}

    replace = commit(
        validate(upload(sites_file(tmp_path / "c.gpkg", WORKSHOPS[3:]), "sites", importville)),
        "replace",
        dataset,
    )
    assert replace.committed == {"created": 1, "updated": 0, "deleted": 3}
    assert list(Site.objects.filter(dataset=dataset).values_list("external_id", flat=True)) == [
        "W4"
    ]


def test_a_geopackage_with_several_layers_imports_the_one_chosen(importville, tmp_path):
    path = samples.sites_gpkg(tmp_path / "two.gpkg", n=6)
    imp = upload(
        path,
        "context",
        importville,
        options={"layer_name": "Districts of a plan", "layer_slug": "plan"},
    )
    assert [layer["name"] for layer in imp.inspection["layers"]] == ["sites", "districts"]
    imp = validate(imp, layer="districts")
    assert imp.layer == "districts" and imp.errors == 0, report(imp)
    imp = commit(imp)
    features = ContextFeature.objects.filter(layer__slug="plan", layer__city=importville)
    assert sorted(f.properties["name"] for f in features) == ["Anderlecht", "Forest", "Molenbeek"]
    assert features.first().geom.geom_type == "Polygon"


def test_geojson_with_a_legacy_crs_member_is_transformed_from_lambert_72(importville, tmp_path):
    imp = upload(samples.geojson_legacy_crs(tmp_path / "l.geojson"), "sites", importville)
    assert imp.srid == 31370
    imp = commit(validate(imp, fixed={"sector": "25"}))
    site = Site.objects.get(city=importville, external_id="L1")
    # Lambert 72 (148000, 169000) lies in Brussels, west of the centre.
    assert site.geom.x == pytest.approx(4.339, abs=0.01)
    assert site.geom.y == pytest.approx(50.838, abs=0.01)


def test_a_zipped_shapefile_with_an_esri_prj_and_its_cpg_is_read(importville, tmp_path):
    imp = upload(samples.shapefile_zip(tmp_path / "s.zip"), "sites", importville)
    assert imp.format == "shapefile" and imp.srid == 31370
    imp = commit(validate(imp, fixed={"sector": "10"}))
    names = set(Site.objects.filter(city=importville).values_list("name", flat=True))
    assert "Café du Progrès" in names


def test_a_latin1_shapefile_without_cpg_is_read_in_the_encoding_the_user_chooses(
    importville, tmp_path
):
    path = samples.shapefile_zip(tmp_path / "s.zip", cpg=False, encoding="ISO-8859-1")
    imp = upload(path, "sites", importville)
    assert imp.inspection["encoding_known"] is False
    imp = commit(validate(imp, encoding="iso-8859-1", fixed={"sector": "10"}))
    names = set(Site.objects.filter(city=importville).values_list("name", flat=True))
    assert {"Café du Progrès", "Brasserie Ölé"} <= names


def test_a_csv_with_semicolons_and_decimal_commas_gives_points(importville, tmp_path):
    path = samples.csv_lonlat(tmp_path / "s.csv", delimiter=";", decimal_comma=True, bom=True)
    imp = upload(path, "sites", importville)
    assert imp.mapping["csv"] == {"lon": "lon", "lat": "lat", "wkt": ""}
    imp = commit(validate(imp, fixed={"sector": "32"}))
    site = Site.objects.get(city=importville, external_id="C1")
    assert site.geom.coords == pytest.approx(samples.site_lonlat(0, 5))
    assert site.employees == 3


def test_a_latin1_csv_is_previewed_and_read_in_the_chosen_encoding(importville, tmp_path):
    imp = upload(samples.latin1_csv_after_2kb(tmp_path / "l.csv"), "sites", importville)
    assert imp.inspection["encoding_known"] is False
    imp = commit(validate(imp, encoding="windows-1252", fixed={"sector": "32"}))
    assert Site.objects.filter(city=importville, name="Café").exists()


def test_a_wkt_csv_and_a_flatgeobuf_become_context_layers(importville, tmp_path):
    imp = upload(
        samples.csv_wkt(tmp_path / "w.csv"),
        "context",
        importville,
        options={"layer_name": "Plots", "layer_slug": "plots"},
    )
    imp = commit(validate(imp, srid=31370, csv={"wkt": "wkt"}))
    assert imp.stage == Import.Stage.DONE, report(imp)
    assert ContextFeature.objects.filter(layer__slug="plots").count() == 3

    imp = upload(
        samples.flatgeobuf(tmp_path / "f.fgb"),
        "context",
        importville,
        options={"layer_name": "Workshops", "layer_slug": "workshops"},
    )
    assert imp.format == "flatgeobuf" and imp.srid == 3035
    imp = commit(validate(imp))
    assert imp.stage == Import.Stage.DONE, report(imp)
    feature = ContextFeature.objects.filter(layer__slug="workshops").order_by("id").first()
    assert feature.properties["staff"] == "1" and feature.name == "Café du Progrès"


def test_zones_map_the_files_codes_and_take_a_fixed_year(importville, tmp_path):
    ZoningCategory.objects.create(city=importville, code="ZIU", name="Urban industry", meaning="")
    features = [
        {
            "type": "Feature",
            "properties": {"id": f"Z{i}", "affectation": code, "statut": status},
            "geometry": {
                "type": "Polygon",
                "coordinates": [samples.square(4.3 + 0.02 * i, 50.8, 0.01)],
            },
        }
        for i, (code, status) in enumerate([("ind", "protégé"), ("ZIU", "non"), ("mix", "partiel")])
    ]
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    imp = validate(
        upload(path, "zones", importville),
        fields={"protection": "statut"},
        fixed={"reference_year": "2021"},
    )
    assert sorted(v for _r, f, v, _m in report(imp) if f == "category") == ["ind", "mix"]
    imp = validate(imp, values={"category": {"ind": "ZIU"}}, create_categories=True)
    assert imp.errors == 0, report(imp)
    commit(imp)
    zones = LandZone.objects.filter(city=importville).order_by("external_id")
    assert [(z.external_id, z.category.code, z.protection, z.reference_year) for z in zones] == [
        ("Z0", "ZIU", "protected", 2021),
        ("Z1", "ZIU", "unprotected", 2021),
        ("Z2", "MIX", "partial", 2021),
    ]


def test_indicators_from_csv_find_districts_by_name_and_nace_by_code(importville, tmp_path):
    DistrictFactory(city=importville, slug="north", name="North")
    path = tmp_path / "i.csv"
    path.write_text(
        "commune;indicateur;nace;annee;valeur\n"
        "North;jobs;C25;2020;1234,5\n"
        ";firms;;2020;88\n"
        "Nowhere;jobs;25;2020;1\n",
        encoding="utf-8",
    )
    imp = validate(upload(path, "indicators", importville), fixed={"unit": "jobs"})
    assert report(imp) == [
        (3, "district", "Nowhere", "Not one of the city's districts (by name or identifier).")
    ]
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n", encoding="utf-8")
    imp = commit(validate(upload(path, "indicators", importville), fixed={"unit": "jobs"}))
    rows = set(
        Indicator.objects.filter(city=importville).values_list(
            "district__slug", "key", "sector_id", "value"
        )
    )
    assert rows == {
        ("north", "manufacturing_jobs", 25, 1234.5),
        (None, "manufacturing_firms", None, 88.0),
    }


def test_flows_from_csv_go_between_districts_and_stages(importville, tmp_path):
    DistrictFactory(city=importville, slug="port", name="Port")
    MaterialCategory.objects.get_or_create(code="wood", defaults={"name": "Wood"})
    path = tmp_path / "f.csv"
    path.write_text(
        "year,material,from,to,tonnes\n2022,wood,import,Port,12.5\n2022,Wood,Port,recycling,3\n"
    )
    imp = commit(validate(upload(path, "flows", importville)))
    assert imp.stage == Import.Stage.DONE, report(imp)
    flows = MaterialFlow.objects.filter(city=importville).order_by("tonnes")
    assert [
        (f.origin_district_id is not None, f.origin_activity, f.destination_activity, f.tonnes)
        for f in flows
    ] == [(True, "", "recycling", 3.0), (False, "import", "", 12.5)]


def test_a_city_is_added_from_its_outline_then_its_districts(db, tmp_path):
    outline = samples.metres_without_crs_geojson(tmp_path / "outline.geojson")
    options = {"name": "Newtown", "short_name": "Newtown", "slug": "newtown", "country": "BE"}
    imp = upload(outline, "city", options=options)
    assert imp.srid == 31370  # suggested from the coordinates: the file names no CRS
    assert imp.inspection["suggested_srid"] == 31370
    imp = commit(validate(imp))
    city = City.objects.get(slug="newtown")
    assert imp.city == city and city.dataset == imp.dataset
    assert city.outline.geom_type == "MultiPolygon" and city.area_km2 > 0

    districts = tmp_path / "d.geojson"
    inside, outside = samples.square(149_500, 169_500, 200), samples.square(160_000, 180_000, 200)
    districts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"naam": n, "code": c},
                        "geometry": {"type": "Polygon", "coordinates": [sq]},
                    }
                    for n, c, sq in (("Oost", "21001", inside), ("West", "21002", outside))
                ],
            }
        )
    )
    imp = validate(upload(districts, "districts", city))
    # Oost lies in the outline; West does not.
    assert [(r, m) for r, _f, _v, m in report(imp)] == [(2, "Outside Newtown.")]
    with open(districts, "w") as fh:
        fh.write(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"naam": "Oost", "code": "21001"},
                            "geometry": {"type": "Polygon", "coordinates": [inside]},
                        }
                    ],
                }
            )
        )
    imp = commit(validate(upload(districts, "districts", city)))
    district = District.objects.get(city=city)
    assert (district.slug, district.name, district.dataset) == ("21001", "Oost", imp.dataset)
    assert district.area_km2 == pytest.approx(0.04, rel=0.05)


def test_invalid_geometries_are_repaired_and_reported(importville, tmp_path):
    imp = upload(samples.bowtie_geojson(tmp_path / "b.geojson"), "zones", importville)
    ZoningCategory.objects.create(city=importville, code="BT", name="Estate", meaning="")
    imp = validate(
        imp, fixed={"category": "BT", "protection": "protected", "reference_year": "2019"}
    )
    assert imp.errors == 0 and imp.warnings == 1
    assert "repaired" in report(imp)[0][3]
    commit(imp)
    zone = LandZone.objects.get(city=importville)
    assert zone.geom.valid and zone.geom.geom_type == "MultiPolygon" and len(zone.geom) == 2


@override_settings(IMPORT_MAX_VERTICES=1_000)
def test_broken_geometries_each_get_a_message(importville, tmp_path):
    cases = {
        "nested": (samples.nested_collection_geojson, "Nested geometry collections"),
        "nan": (samples.nan_geojson, "not numbers (NaN)"),
        "huge": (lambda p: samples.million_vertex_geojson(p, vertices=5_000), "more vertices"),
    }
    for name, (build, words) in cases.items():
        imp = upload(
            build(tmp_path / f"{name}.geojson"),
            "context",
            importville,
            options={"layer_name": name, "layer_slug": name},
        )
        imp = validate(imp, srid=4326)
        assert any(words in message and row == 1 for row, _f, _v, message in report(imp)), (
            name,
            report(imp),
        )


def test_metres_read_as_degrees_are_out_of_range_and_a_point_file_is_no_zone(importville, tmp_path):
    imp = upload(samples.metres_without_crs_geojson(tmp_path / "m.geojson"), "zones", importville)
    imp = validate(
        imp,
        srid=4326,
        fixed={"category": "X", "protection": "protected", "reference_year": "2019"},
        create_categories=True,
    )
    assert {m for _r, f, _v, m in report(imp) if f == "geometry"} == {
        "The coordinates are out of range: is the coordinate system (EPSG:4326) right?"
    }

    imp = upload(samples.degrees_geojson(tmp_path / "p.geojson"), "zones", importville)
    imp = validate(
        imp,
        fixed={"category": "X", "protection": "protected", "reference_year": "2019"},
        create_categories=True,
    )
    assert {(f, v, m) for _r, f, v, m in report(imp)} == {
        ("geometry", "Point", "Expected a polygon.")
    }


def test_duplicate_identifiers_and_values_of_the_wrong_type_are_reported(importville, tmp_path):
    rows = [("A", "One", "25", 1, 4.35, 50.85), ("A", "Two", "25", 2, 4.36, 50.85)]
    imp = upload(sites_file(tmp_path / "d.gpkg", rows), "sites", importville)
    imp = validate(imp, fixed={"year_opened": "in the sixties"})
    messages = {(r, f, m) for r, f, _v, m in report(imp)}
    assert (1, "external_id", "This identifier appears more than once in the file.") in messages
    assert (2, "year_opened", "Must be a year between 1800 and 2100.") in messages


def test_a_cancelled_validation_leaves_no_staged_rows(importville, tmp_path):
    imp = upload(sites_file(tmp_path / "w.gpkg", WORKSHOPS), "sites", importville)
    imp = steps.import_map(
        imp=imp,
        layer=imp.layer,
        encoding=imp.encoding,
        srid=imp.srid,
        mapping=imp.mapping,
        enqueue=False,
    )
    job_cancel(job_id=imp.job_id)  # queued: it ends at once
    assert Job.objects.get(pk=imp.job_id).status == Job.Status.CANCELLED
    assert job_execute(job_id=imp.job_id) is None  # a cancelled job is never run
    imp.refresh_from_db()

    imp = steps.import_map(
        imp=imp,
        layer=imp.layer,
        encoding=imp.encoding,
        srid=imp.srid,
        mapping=imp.mapping,
        enqueue=False,
    )
    Job.objects.filter(pk=imp.job_id).update(cancel_requested_at="2026-01-01T00:00Z")
    job = job_execute(job_id=imp.job_id)  # its first progress report sees the request
    assert job.status == Job.Status.CANCELLED
    assert not StagedRow.objects.filter(upload=imp).exists()
    assert not imp.issues.exists()


def test_districts_that_would_share_an_identifier_are_reported(importville, tmp_path):
    path = samples.metres_without_crs_geojson(tmp_path / "d.geojson")
    imp = validate(upload(path, "districts", importville), srid=31370, fixed={"name": "Same"})
    assert {(r, m) for r, _f, _v, m in report(imp)} == {
        (row, "This identifier appears more than once in the file.") for row in (1, 2, 3)
    }


def test_a_refused_commit_writes_nothing_and_says_why(importville, tmp_path):
    dataset = DatasetFactory()
    north = DistrictFactory(city=importville, slug="north", name="North", dataset=dataset)
    Indicator.objects.create(
        city=importville,
        district=north,
        key="manufacturing_jobs",
        year=2020,
        value=5,
        unit="jobs",
        dataset=dataset,
    )
    path = samples.metres_without_crs_geojson(tmp_path / "d.geojson")
    imp = validate(upload(path, "districts", importville), srid=31370, fields={"name": "n"})
    imp = commit(imp, "replace", dataset)
    assert imp.stage == Import.Stage.REVIEW and imp.job.status == "failed"
    assert "refer to these districts" in imp.job.message
    assert list(District.objects.filter(city=importville).values_list("slug", flat=True)) == [
        "north"
    ]
    assert Indicator.objects.filter(district=north).exists()


def test_validation_is_idempotent(importville, tmp_path):
    imp = validate(upload(sites_file(tmp_path / "w.gpkg", WORKSHOPS), "sites", importville))
    first = report(imp)
    assert validate_staged(imp=imp, limit=1000) == {"errors": 1, "warnings": 0}
    assert report(imp) == first


def test_the_geometry_of_a_feature_is_what_the_file_said(importville, tmp_path):
    imp = commit(
        validate(
            upload(
                samples.degrees_geojson(tmp_path / "p.geojson"),
                "context",
                importville,
                options={"layer_name": "P", "layer_slug": "p"},
            )
        )
    )
    assert imp.stage == Import.Stage.DONE, report(imp)
    wanted = [
        GEOSGeometry(f"POINT({x} {y})", srid=4326)
        for x, y in (samples.site_lonlat(i, 4) for i in range(4))
    ]
    got = [f.geom for f in ContextFeature.objects.filter(layer__slug="p").order_by("id")]
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(got, wanted, strict=True))


def test_a_commit_whose_worker_died_is_run_again_and_writes_once(importville, tmp_path):
    imp = validate(upload(sites_file(tmp_path / "w.gpkg", WORKSHOPS[:2]), "sites", importville))
    imp = steps.import_request_commit(
        imp=imp, mode="new", dataset_values={**DATASET}, enqueue=False
    )
    # The first worker claimed it and was killed: its transaction rolled back, so nothing
    # was written, and its last sign of life is older than the time limit.
    Job.objects.filter(pk=imp.job_id).update(
        status="running", attempts=1, heartbeat_at="2020-01-01T00:00Z"
    )
    job = job_execute(job_id=imp.job_id)  # Celery delivers the message again
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert job_execute(job_id=imp.job_id) is None  # a third delivery finds it done
    assert Site.objects.filter(city=importville).count() == 2
    assert Dataset.objects.filter(name=DATASET["name"]).count() == 1


def test_imported_sites_are_ranked_for_the_map_with_the_citys_sites(importville, tmp_path):
    from cities.generation import sites_generate, sites_thin
    from tests.factories import DatasetFactory

    sites_generate(city=importville, dataset=DatasetFactory(), count=400)
    rows = [(f"N{i}", f"New {i}", "25", 500 - i, 4.3 + i / 400, 50.8 + i / 500) for i in range(60)]
    commit(validate(upload(sites_file(tmp_path / "n.gpkg", rows), "sites", importville)))
    # Each row was written with its level, and the city's sites were ranked anew with them:
    # ranking the whole city again changes nothing.
    assert sites_thin(city=importville) == 0
    assert Site.objects.filter(city=importville, external_id="N0").get().min_zoom == 8
