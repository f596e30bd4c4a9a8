"""Reading uploads: every format opens and inspects right, rows come out as text and WKB,
and every hostile file is refused with a sentence a person can act on."""

import math
import time
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry

from cities.gis_io.sources import (
    CsvGeometry,
    Source,
    SourceError,
    inspect,
    open_upload,
    read_batches,
    suggest_srid,
)
from tests.cities.gis_io import samples


@pytest.fixture
def workdir(tmp_path) -> Path:
    return tmp_path / "work"


def _rows(source: Source, **options) -> list[tuple[int, bytes | None, dict]]:
    return [
        row
        for batch in read_batches(source, **options)
        for row in zip(batch.rows, batch.wkb, batch.attrs, strict=True)
    ]


def _field(layer, name):
    return next(field for field in layer.fields if field.name == name)


def _refused(path: Path, workdir: Path) -> str:
    with pytest.raises(SourceError) as caught:
        open_upload(path, workdir)
    return str(caught.value)


# --- GeoPackage ------------------------------------------------------------------------


def test_a_geopackage_lists_both_layers_with_their_counts_types_crs_and_samples(tmp_path, workdir):
    source = open_upload(samples.sites_gpkg(tmp_path / "sites.gpkg", n=12), workdir)
    assert (source.format, source.driver, source.encoding_known) == ("gpkg", "GPKG", True)

    inspection = inspect(source)

    sites, districts = inspection.layers
    assert (sites.name, sites.geometry_type, sites.count, sites.srid) == (
        "sites",
        "Point",
        12,
        4326,
    )
    assert (districts.name, districts.geometry_type, districts.count) == ("districts", "Polygon", 3)
    assert [(f.name, f.type) for f in sites.fields] == [
        ("ref", "string"), ("name", "string"), ("nace", "string"), ("staff", "integer"),
    ]  # fmt: skip
    assert _field(sites, "ref").samples == ("S0001", "S0002", "S0003", "S0004", "S0005")
    assert _field(sites, "nace").samples == samples.NACE
    xmin, ymin, xmax, ymax = sites.extent
    assert 4.30 <= xmin < xmax <= 4.45 and 50.80 <= ymin < ymax <= 50.90
    assert (inspection.encoding, inspection.encoding_known, inspection.csv) == ("utf-8", True, None)


def test_a_geopackage_is_known_by_its_bytes_whatever_its_name(tmp_path, workdir):
    upload = samples.copy_as(samples.sites_gpkg(tmp_path / "a.gpkg"), tmp_path / "upload.bin")

    source = open_upload(upload, workdir)

    assert source.format == "gpkg" and source.path.suffix == ".gpkg"
    assert source.path.parent == workdir
    assert [layer.name for layer in inspect(source).layers] == ["sites", "districts"]


def test_every_row_of_a_geopackage_layer_is_read_as_text_and_valid_wkb(tmp_path, workdir):
    source = open_upload(samples.sites_gpkg(tmp_path / "sites.gpkg", n=25), workdir)

    batches = list(read_batches(source, layer="sites", batch_size=10))

    assert [len(batch.rows) for batch in batches] == [10, 10, 5]
    rows = [
        row for batch in batches for row in zip(batch.rows, batch.wkb, batch.attrs, strict=True)
    ]
    assert [number for number, _wkb, _attrs in rows] == list(range(1, 26))
    _number, wkb, attrs = rows[0]
    assert attrs == {"ref": "S0001", "name": "Café du Progrès 1", "nace": "25.62", "staff": "1"}
    geometry = GEOSGeometry(memoryview(wkb))
    assert geometry.geom_type == "Point"
    assert (geometry.x, geometry.y) == pytest.approx(samples.site_lonlat(0, 25))
    assert all(GEOSGeometry(memoryview(wkb)).valid for _n, wkb, _a in rows)


def test_the_other_layer_of_a_geopackage_is_read_when_named(tmp_path, workdir):
    source = open_upload(samples.sites_gpkg(tmp_path / "sites.gpkg"), workdir)

    rows = _rows(source, layer="districts")

    assert [attrs["code"] for _n, _wkb, attrs in rows] == ["D1", "D2", "D3"]
    assert GEOSGeometry(memoryview(rows[0][1])).area == pytest.approx(0.0025)


def test_a_nan_coordinate_marks_its_row_and_the_others_are_read(tmp_path, workdir):
    source = open_upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=5, bad_row=3), workdir)

    rows = _rows(source, layer="sites")

    assert len(rows) == 5
    assert (rows[2][1], rows[2][2]["__problem__"]) == (None, "nan_coordinates")
    assert all(wkb and "__problem__" not in attrs for n, wkb, attrs in rows if n != 3)


def test_a_hundred_thousand_features_read_in_a_few_seconds(tmp_path, workdir):
    source = open_upload(samples.many_points_gpkg(tmp_path / "many.gpkg"), workdir)

    started = time.perf_counter()
    rows = sum(len(batch.rows) for batch in read_batches(source))
    elapsed = time.perf_counter() - started

    assert rows == 100_000
    assert elapsed < 4, f"{elapsed:.1f} s"


def test_an_sqlite_database_that_is_not_a_geopackage_is_refused(tmp_path, workdir):
    message = _refused(samples.sqlite_not_gpkg(tmp_path / "data.gpkg"), workdir)

    assert "not a GeoPackage" in message


# --- Shapefiles ------------------------------------------------------------------------


def test_a_zipped_shapefile_with_an_esri_prj_is_read_as_belgian_lambert_72(tmp_path, workdir):
    source = open_upload(samples.shapefile_zip(tmp_path / "sites.zip"), workdir)

    assert (source.format, source.driver, source.encoding_known) == (
        "shapefile", "ESRI Shapefile", True,
    )  # fmt: skip
    assert source.path == workdir / "sites.shp"
    layer = inspect(source).layers[0]
    assert (layer.srid, layer.crs_text) == (31370, "Belge_1972_Belgian_Lambert_72")
    assert (layer.geometry_type, layer.count) == ("Point", 4)
    assert layer.extent == pytest.approx((149_000, 170_000, 150_500, 170_750))
    assert [(f.name, f.type) for f in layer.fields] == [
        ("ref", "string"), ("name", "string"), ("staff", "integer"),
    ]  # fmt: skip


def test_the_cpg_of_a_shapefile_is_respected(tmp_path, workdir):
    zipped = samples.shapefile_zip(tmp_path / "s.zip", encoding="ISO-8859-1", cpg=True)
    source = open_upload(zipped, workdir)

    inspection = inspect(source)

    assert (inspection.encoding, inspection.encoding_known) == ("iso-8859-1", True)
    assert _field(inspection.layers[0], "name").samples == samples.NAMES
    assert [attrs["name"] for _n, _w, attrs in _rows(source)] == list(samples.NAMES)


def test_a_latin1_dbf_without_cpg_asks_for_its_encoding_and_previews_well_once_chosen(
    tmp_path, workdir
):
    zipped = samples.shapefile_zip(tmp_path / "s.zip", encoding="ISO-8859-1", cpg=False)
    source = open_upload(zipped, workdir)
    assert source.encoding_known is False

    guessed = inspect(source)
    chosen = inspect(source, encoding="iso-8859-1")

    assert (guessed.encoding, guessed.encoding_known) == ("windows-1252", False)
    assert (chosen.encoding, chosen.encoding_known) == ("iso-8859-1", False)
    assert _field(chosen.layers[0], "name").samples == samples.NAMES
    rows = _rows(source, encoding="iso-8859-1")
    assert [attrs["name"] for _n, _w, attrs in rows] == list(samples.NAMES)


def test_a_latin1_dbf_read_as_utf8_is_refused_with_a_sentence_not_a_decode_error(tmp_path, workdir):
    zipped = samples.shapefile_zip(tmp_path / "s.zip", encoding="ISO-8859-1", cpg=False)
    source = open_upload(zipped, workdir)

    preview = inspect(source, encoding="utf-8")  # a preview never fails
    with pytest.raises(SourceError, match="encoding"):
        _rows(source, encoding="utf-8")

    assert "\ufffd" in "".join(_field(preview.layers[0], "name").samples)


def test_a_utf8_dbf_without_cpg_is_previewed_as_utf8(tmp_path, workdir):
    source = open_upload(samples.shapefile_zip(tmp_path / "s.zip", cpg=False), workdir)

    inspection = inspect(source)

    assert (inspection.encoding, inspection.encoding_known) == ("utf-8", False)
    assert _field(inspection.layers[0], "name").samples == samples.NAMES


def test_a_shapefile_without_prj_has_no_srid_and_lambert_72_is_suggested(tmp_path, workdir):
    source = open_upload(samples.shapefile_zip(tmp_path / "s.zip", prj=None), workdir)

    layer = inspect(source).layers[0]

    assert (layer.srid, layer.crs_text) == (None, None)
    assert suggest_srid(layer.extent) == 31370


def test_a_shapefile_in_a_folder_of_the_zip_is_unpacked_in_that_folder(tmp_path, workdir):
    zipped = samples.shapefile_zip(tmp_path / "s.zip", folder="data/2024/")

    source = open_upload(zipped, workdir)

    assert source.path == workdir / "data" / "2024" / "sites.shp"
    assert inspect(source).layers[0].count == 4


def test_a_zip_with_several_shapefiles_is_refused(tmp_path, workdir):
    message = _refused(samples.zip_two_shapefiles(tmp_path / "two.zip"), workdir)

    assert "several shapefiles" in message and "zip one" in message
    assert not workdir.exists() or not any(workdir.rglob("*.shp"))


def test_a_shapefile_without_its_dbf_is_refused(tmp_path, workdir):
    zipped = samples.zip_of(
        tmp_path / "s.zip", {"sites.shp": b"\x00\x00\x27\x0a", "sites.shx": b""}
    )

    assert ".dbf" in _refused(zipped, workdir)


def test_a_bare_shp_is_refused_with_what_to_upload_instead(tmp_path, workdir):
    upload = tmp_path / "sites.shp"
    upload.write_bytes(b"\x00\x00\x27\x0a" + bytes(96))

    assert "zip" in _refused(upload, workdir)


# --- GeoJSON and CRS -------------------------------------------------------------------


def test_a_legacy_urn_crs_is_identified_as_its_epsg_code(tmp_path, workdir):
    source = open_upload(samples.geojson_legacy_crs(tmp_path / "l.geojson"), workdir)

    layer = inspect(source).layers[0]

    assert (source.format, source.driver) == ("geojson", "GeoJSON")
    assert (layer.srid, layer.crs_text) == (31370, "urn:ogc:def:crs:EPSG::31370")
    assert (layer.geometry_type, layer.count) == ("Point", 3)
    assert layer.extent == pytest.approx((148_000, 169_000, 152_250.5, 171_200))
    assert _field(layer, "name").samples == samples.NAMES[:3]


@pytest.mark.parametrize("name, srid", [("EPSG:27700", 27700), ("EPSG:28992", 28992)])
def test_legacy_crs_names_give_their_codes(tmp_path, workdir, name, srid):
    source = open_upload(samples.geojson_legacy_crs(tmp_path / "l.geojson", name), workdir)

    assert inspect(source).layers[0].srid == srid


def test_a_crs_name_nobody_knows_gives_no_srid_rather_than_wgs84(tmp_path, workdir):
    path = samples.geojson_legacy_crs(tmp_path / "l.geojson", "EPSG:999999")

    layer = inspect(open_upload(path, workdir)).layers[0]

    assert (layer.srid, layer.crs_text) == (None, "EPSG:999999")


def test_a_geojson_in_metres_without_crs_has_no_srid_and_lambert_72_is_suggested(tmp_path, workdir):
    source = open_upload(samples.metres_without_crs_geojson(tmp_path / "m.geojson"), workdir)

    layer = inspect(source).layers[0]

    assert (layer.srid, layer.crs_text, layer.geometry_type) == (None, None, "Polygon")
    assert suggest_srid(layer.extent) == 31370


def test_a_geojson_in_degrees_without_crs_is_wgs84_as_rfc_7946_says(tmp_path, workdir):
    layer = inspect(open_upload(samples.degrees_geojson(tmp_path / "d.geojson"), workdir)).layers[0]

    assert layer.srid == 4326


@pytest.mark.parametrize(
    "center, srid",
    [
        ((150_000, 170_000), 31370),  # Brussels in Lambert 72
        ((530_000, 180_000), 27700),  # London in the British National Grid
        ((92_000, 437_000), 28992),  # Rotterdam in RD New
        ((3_930_000, 3_110_000), 3035),  # Brussels in ETRS89-LAEA
        ((485_000, 6_594_000), 3857),  # Brussels in Web Mercator
        ((-14_000, 6_711_000), 3857),  # London in Web Mercator
    ],
)
def test_a_crs_is_suggested_from_metre_coordinates(tmp_path, workdir, center, srid):
    path = samples.metres_without_crs_geojson(tmp_path / "m.geojson", center=center)

    layer = inspect(open_upload(path, workdir)).layers[0]

    assert layer.srid is None
    assert suggest_srid(layer.extent) == srid


@pytest.mark.parametrize(
    "extent, srid",
    [
        ((4.30, 50.80, 4.45, 50.90), 4326),
        ((-0.2, 51.4, 0.1, 51.6), 4326),
        ((20_000, 20_000, 295_000, 245_000), 31370),  # all of Belgium
        ((100_000, 320_000, 250_000, 600_000), 28992),  # most of the Netherlands
        ((100_000, 100_000, 650_000, 1_200_000), 27700),  # most of Great Britain
        ((100_000, 660_000, 250_000, 700_000), 27700),  # Scotland, west of x 300 km
        ((100_000, 260_000, 200_000, 280_000), None),  # between Belgium and the Netherlands
        ((-5e7, 0, 0, 1), None),  # not on Earth in any of these
        ((math.nan, 0, 1, 1), None),
    ],
)
def test_suggest_srid_follows_the_coordinate_ranges(extent, srid):
    assert suggest_srid(extent) == srid


def test_a_bow_tie_polygon_is_read_as_it_is_for_repair_later(tmp_path, workdir):
    source = open_upload(samples.bowtie_geojson(tmp_path / "b.geojson"), workdir)

    [(_n, wkb, attrs)] = _rows(source)

    geometry = GEOSGeometry(memoryview(wkb))
    assert geometry.geom_type == "Polygon" and not geometry.valid
    assert "__problem__" not in attrs


def test_a_million_vertex_polygon_is_set_aside_and_the_next_feature_read(tmp_path, workdir):
    source = open_upload(samples.million_vertex_geojson(tmp_path / "big.geojson"), workdir)

    rows = _rows(source)  # under the default limit of 100,000 vertices

    assert [(n, wkb, attrs.get("__problem__")) for n, wkb, attrs in rows[:1]] == [
        (1, None, "too_many_vertices")
    ]
    assert GEOSGeometry(memoryview(rows[1][1])).area == 100


def test_a_polygon_under_the_vertex_limit_is_kept(tmp_path, workdir, settings):
    settings.IMPORT_MAX_VERTICES = 2_000
    source = open_upload(samples.million_vertex_geojson(tmp_path / "b.geojson", 2_000), workdir)

    wkb = _rows(source)[0][1]

    assert GEOSGeometry(memoryview(wkb)).num_coords == 2_000


def test_a_collection_inside_a_collection_is_set_aside(tmp_path, workdir):
    source = open_upload(samples.nested_collection_geojson(tmp_path / "n.geojson"), workdir)

    rows = _rows(source)

    assert [(wkb is None, attrs.get("__problem__")) for _n, wkb, attrs in rows] == [
        (True, "nested_collection"), (False, None),
    ]  # fmt: skip


def test_nan_coordinates_in_geojson_mark_the_row_and_a_nan_point_is_empty(tmp_path, workdir):
    source = open_upload(samples.nan_geojson(tmp_path / "nan.geojson"), workdir)

    rows = _rows(source)

    assert [(wkb is None, attrs.get("__problem__")) for _n, wkb, attrs in rows] == [
        (True, "nan_coordinates"), (True, None), (False, None),
    ]  # fmt: skip


def test_a_truncated_geojson_is_refused_with_a_clear_sentence(tmp_path, workdir):
    message = _refused(samples.truncated_geojson(tmp_path / "t.geojson"), workdir)

    assert message.startswith("This GeoJSON file could not be read")
    assert "Traceback" not in message and str(tmp_path) not in message


def test_a_vrt_named_geojson_is_refused_before_gdal_sees_it(tmp_path, workdir):
    message = _refused(samples.vrt_as_geojson(tmp_path / "sites.geojson"), workdir)

    assert "VRT files are not accepted" in message


def test_other_xml_is_refused_with_the_formats_we_read(tmp_path, workdir):
    message = _refused(samples.gml(tmp_path / "sites.gml"), workdir)

    assert "XML" in message and "GeoPackage" in message and "CSV" in message


def test_gdal_must_report_the_driver_the_bytes_promised(tmp_path):
    path = samples.degrees_geojson(tmp_path / "d.geojson")

    with pytest.raises(SourceError, match="looks like GeoPackage"):
        inspect(Source("gpkg", path, "GPKG", True))


def test_text_that_is_not_utf8_in_a_geojson_is_refused_when_read(tmp_path, workdir):
    path = tmp_path / "latin1.geojson"
    path.write_bytes(
        samples.degrees_geojson(path).read_text().replace("é", "\xe9").encode("latin-1")
    )
    source = open_upload(path, workdir)

    preview = inspect(source)  # the preview shows what it can
    with pytest.raises(SourceError, match="not valid UTF-8"):
        _rows(source)

    assert _field(preview.layers[0], "name").samples[0] == "Caf\ufffd du Progr\ufffds"


# --- FlatGeobuf ------------------------------------------------------------------------


def test_a_flatgeobuf_opens_inspects_and_reads(tmp_path, workdir):
    source = open_upload(samples.flatgeobuf(tmp_path / "f.fgb"), workdir)

    layer = inspect(source).layers[0]
    rows = _rows(source)

    assert (source.format, source.driver) == ("flatgeobuf", "FlatGeobuf")
    assert (layer.geometry_type, layer.count, layer.srid) == ("Point", 5, 3035)
    assert [(f.name, f.type) for f in layer.fields] == [("name", "string"), ("staff", "integer")]
    assert [attrs["staff"] for _n, _w, attrs in rows] == ["1", "2", "3", "4", "5"]
    assert GEOSGeometry(memoryview(rows[0][1])).coords == (3_930_000, 3_110_000)


def test_a_zip_holding_one_geojson_is_opened_as_geojson(tmp_path, workdir):
    inner = samples.geojson_legacy_crs(tmp_path / "inner.json").read_bytes()
    zipped = samples.zip_of(tmp_path / "one.zip", {"data/sites.json": inner, "README.txt": b"hi"})

    source = open_upload(zipped, workdir)

    assert (source.format, source.path) == ("geojson", workdir / "data" / "sites.geojson")
    assert inspect(source).layers[0].srid == 31370


# --- CSV -------------------------------------------------------------------------------


def test_a_utf8_csv_with_lon_lat_columns_is_inspected(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "sites.csv"), workdir)

    inspection = inspect(source)

    assert (source.format, source.driver, source.encoding_known) == ("csv", None, True)
    assert (inspection.encoding, inspection.encoding_known) == ("utf-8", True)
    info = inspection.csv
    assert (info.delimiter, info.decimal_comma) == (",", False)
    assert info.columns == ("ref", "name", "lon", "lat", "staff")
    assert (info.lon_column, info.lat_column, info.wkt_column) == ("lon", "lat", None)
    layer = inspection.layers[0]
    assert (layer.geometry_type, layer.count, layer.srid) == ("Point", 5, None)
    assert suggest_srid(layer.extent) == 4326
    assert [(f.name, f.type) for f in layer.fields] == [
        ("ref", "string"), ("name", "string"), ("lon", "number"), ("lat", "number"),
        ("staff", "integer"),
    ]  # fmt: skip
    assert _field(layer, "name").samples == (*samples.NAMES, samples.NAMES[0])[:4]


def test_csv_rows_keep_their_text_and_get_a_point(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "sites.csv", n=3), workdir)

    rows = _rows(source)

    lon, lat = samples.site_lonlat(0, 3)
    assert rows[0][0] == 1 and rows[0][2] == {
        "ref": "C1", "name": "Café du Progrès", "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
        "staff": "3",
    }  # fmt: skip
    assert GEOSGeometry(memoryview(rows[0][1])).coords == pytest.approx((lon, lat))
    assert [n for n, _w, _a in rows] == [1, 2, 3]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "bom.csv", bom=True), workdir)

    inspection = inspect(source)

    assert inspection.csv.columns[0] == "ref"
    assert (inspection.encoding, inspection.encoding_known) == ("utf-8", True)
    assert "ref" in _rows(source)[0][2]


def test_a_semicolon_csv_with_decimal_commas_is_detected_and_read(tmp_path, workdir):
    path = samples.csv_lonlat(tmp_path / "s.csv", delimiter=";", decimal_comma=True, n=4)
    source = open_upload(path, workdir)

    inspection = inspect(source)
    rows = _rows(source)

    assert (inspection.csv.delimiter, inspection.csv.decimal_comma) == (";", True)
    assert (inspection.csv.lon_column, inspection.csv.lat_column) == ("lon", "lat")
    assert _field(inspection.layers[0], "lon").type == "number"
    assert "," in rows[0][2]["lon"]  # the text as written
    assert GEOSGeometry(memoryview(rows[0][1])).coords == pytest.approx(samples.site_lonlat(0, 4))


def test_a_tab_separated_file_is_detected(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "s.tsv", delimiter="\t"), workdir)

    assert inspect(source).csv.delimiter == "\t"
    assert source.path.suffix == ".csv"


def test_a_latin1_csv_asks_for_its_encoding_and_previews_as_windows_1252(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "l.csv", encoding="iso-8859-1"), workdir)

    inspection = inspect(source)

    assert source.encoding_known is False
    assert (inspection.encoding, inspection.encoding_known) == ("windows-1252", False)
    assert _field(inspection.layers[0], "name").samples[:2] == samples.NAMES[:2]
    chosen = _rows(source, encoding="iso-8859-1")
    assert chosen[0][2]["name"] == "Café du Progrès"


def test_a_latin1_csv_read_as_utf8_is_refused_with_a_sentence(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "l.csv", encoding="iso-8859-1"), workdir)

    preview = inspect(source, encoding="utf-8")
    with pytest.raises(SourceError, match="not in utf-8"):
        _rows(source, encoding="utf-8")

    assert preview.layers[0].count == 5


def test_a_latin1_byte_after_the_first_kilobytes_is_found(tmp_path, workdir):
    source = open_upload(samples.latin1_csv_after_2kb(tmp_path / "late.csv"), workdir)

    inspection = inspect(source)

    assert (source.encoding_known, inspection.encoding_known) == (False, False)
    assert _rows(source)[-1][2]["name"] == "Café"  # windows-1252, the preview's encoding


def test_a_wkt_csv_is_inspected_with_its_geometry_type_and_ewkt_srid(tmp_path, workdir):
    source = open_upload(samples.csv_wkt(tmp_path / "w.csv", srid=31370), workdir)

    inspection = inspect(source)

    layer = inspection.layers[0]
    assert (inspection.csv.delimiter, inspection.csv.wkt_column) == (";", "wkt")
    assert (layer.geometry_type, layer.count, layer.srid, layer.crs_text) == (
        "Polygon", 3, 31370, "SRID=31370",
    )  # fmt: skip
    assert layer.extent == (150_000, 170_000, 152_500, 170_500)


def test_wkt_that_does_not_parse_marks_its_row(tmp_path, workdir):
    source = open_upload(samples.csv_wkt(tmp_path / "w.csv", bad_row=2), workdir)

    rows = _rows(source)

    assert [(wkb is None, attrs.get("__problem__")) for _n, wkb, attrs in rows] == [
        (False, None), (True, "bad_wkt"), (False, None),
    ]  # fmt: skip
    assert GEOSGeometry(memoryview(rows[0][1])).area == 250_000
    assert rows[1][2]["wkt"].startswith("POLYGON")  # the text stays


def test_wkt_points_and_awkward_wkt_in_a_csv_are_read_or_marked(tmp_path, workdir):
    path = tmp_path / "w.csv"
    path.write_text(
        "n;geom\n"
        "1;POINT (4.35 50.85)\n"
        '2;"SRID=31370;POINT(150000 170000)"\n'
        "3;POINT Z (1 2 3)\n"
        "4;POINT EMPTY\n"
        "5;LINESTRING (0 0, NaN 1)\n"
        "6;GEOMETRYCOLLECTION (POINT (1 1), GEOMETRYCOLLECTION (POINT (2 2)))\n"
        "7;POINT (4.35\n"
        "8;\n"
    )
    source = open_upload(path, workdir)

    rows = _rows(source, csv_geometry=CsvGeometry(wkt="geom"))

    read = [GEOSGeometry(memoryview(wkb)).coords if wkb else None for _n, wkb, _a in rows]
    assert read == [(4.35, 50.85), (150_000, 170_000), (1, 2), None, None, None, None, None]
    assert [attrs.get("__problem__") for _n, _w, attrs in rows] == [
        None, None, None, None, "nan_coordinates", "nested_collection", "bad_wkt", None,
    ]  # fmt: skip


def test_csv_headers_are_made_unique_and_values_beyond_them_kept(tmp_path, workdir):
    path = tmp_path / "h.csv"
    path.write_text("name,name,,x\na,b,c,d,e\n")
    source = open_upload(path, workdir)

    [(_n, _wkb, attrs)] = _rows(source)

    assert inspect(source).csv.columns == ("name", "name_2", "column_3", "x")
    assert attrs == {"name": "a", "name_2": "b", "column_3": "c", "x": "d", "column_5": "e"}


def test_coordinates_that_are_not_numbers_mark_their_row(tmp_path, workdir):
    path = tmp_path / "s.csv"
    path.write_text("name,x,y\na,4.35,50.85\nb,east,50.85\nc,,\nd,nan,1\ne,4;35,50\n")
    source = open_upload(path, workdir)

    rows = _rows(source, csv_geometry=CsvGeometry(lon="x", lat="y"), delimiter=",")

    assert [(wkb is None, attrs.get("__problem__")) for _n, wkb, attrs in rows] == [
        (False, None), (True, "bad_coordinates"), (True, None), (True, "bad_coordinates"),
        (True, "bad_coordinates"),
    ]  # fmt: skip


def test_decimal_commas_are_only_read_as_such_when_asked(tmp_path, workdir):
    path = samples.csv_lonlat(tmp_path / "s.csv", delimiter=";", decimal_comma=True, n=2)
    source = open_upload(path, workdir)

    rows = _rows(source, decimal_comma=False, delimiter=";")

    assert {attrs["__problem__"] for _n, _w, attrs in rows} == {"bad_coordinates"}


def test_a_csv_geometry_column_that_does_not_exist_is_refused(tmp_path, workdir):
    source = open_upload(samples.csv_lonlat(tmp_path / "s.csv"), workdir)

    with pytest.raises(SourceError, match="no column longitude"):
        _rows(source, csv_geometry=CsvGeometry(lon="longitude", lat="lat"))


def test_a_binary_file_is_refused_with_the_formats_we_read(tmp_path, workdir):
    upload = tmp_path / "photo.jpg"
    upload.write_bytes(b"\xff\xd8\xff\xe0" + bytes(1000))

    message = _refused(upload, workdir)

    assert "format we do not read" in message and "FlatGeobuf" in message


# --- Limits and hostile zips -----------------------------------------------------------


def test_a_file_over_the_upload_limit_is_refused_naming_the_limit(tmp_path, workdir, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1

    message = _refused(samples.oversized(tmp_path / "big.geojson", mb=2), workdir)

    assert "up to 1 MB" in message


def test_a_zip_with_a_parent_folder_member_is_refused_before_anything_is_unpacked(
    tmp_path, workdir
):
    message = _refused(samples.zip_with_traversal(tmp_path / "evil.zip"), workdir)

    assert "outside its folder" in message and "../evil.shp" in message
    assert not (tmp_path / "evil.shp").exists()
    assert not Path(samples.TRAVERSAL_TARGET).exists()
    assert not workdir.exists()


def test_a_zip_with_an_absolute_member_is_refused(tmp_path, workdir):
    zipped = samples.zip_of(tmp_path / "abs.zip", {samples.TRAVERSAL_TARGET: b"x"})

    assert samples.TRAVERSAL_TARGET in _refused(zipped, workdir)
    assert not Path(samples.TRAVERSAL_TARGET).exists()


def test_a_zip_with_a_drive_letter_member_is_refused(tmp_path, workdir):
    zipped = samples.zip_of(tmp_path / "c.zip", {"C:\\Windows\\sites.csv": b"a,b\n"})

    assert "outside its folder" in _refused(zipped, workdir)


def test_a_zip_holding_a_symlink_is_refused(tmp_path, workdir):
    message = _refused(samples.zip_with_symlink(tmp_path / "link.zip"), workdir)

    assert "link" in message
    assert not workdir.exists()


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path, workdir):
    message = _refused(samples.zip_bomb(tmp_path / "bomb.zip"), workdir)

    assert "100 times" in message
    assert not workdir.exists()


def test_a_zip_unpacking_to_more_than_the_limit_is_refused(tmp_path, workdir, settings):
    settings.IMPORT_MAX_UNZIPPED_MB = 1

    message = _refused(samples.zip_incompressible(tmp_path / "big.zip", size_mb=2), workdir)

    assert "more than 1 MB" in message


def test_a_zip_with_too_many_members_is_refused(tmp_path, workdir):
    message = _refused(samples.zip_many_entries(tmp_path / "many.zip", n=51), workdir)

    assert "51 members" in message and "at most 50" in message


def test_a_zip_that_lies_about_its_sizes_is_refused_and_leaves_nothing(tmp_path, workdir):
    message = _refused(samples.zip_lying_sizes(tmp_path / "lies.zip"), workdir)

    assert "damaged" in message or "lies" in message
    assert not any(path.is_file() for path in workdir.rglob("*"))


def test_a_zip_inside_a_zip_is_refused(tmp_path, workdir):
    assert "zip inside a zip" in _refused(samples.zip_in_zip(tmp_path / "z.zip"), workdir)


def test_a_zip_with_nothing_we_read_is_refused(tmp_path, workdir):
    zipped = samples.zip_of(tmp_path / "doc.zip", {"README.txt": b"hello", "a.pdf": b"%PDF"})

    assert "no shapefile" in _refused(zipped, workdir)


def test_an_empty_zip_is_refused(tmp_path, workdir):
    zipped = samples.zip_of(tmp_path / "empty.zip", {})

    assert "empty" in _refused(zipped, workdir)
