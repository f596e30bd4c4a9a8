"""The import pipeline and the exports against GDAL's ogr2ogr doing the same work, in one run.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/imports.py [--city london]
        [--import-rows 100000] [--export-city brussels] [--export-sites 1000000]

Needs the demo data (`make run` or `manage.py load_demo`).

1. Import: a GeoPackage of N sites (points inside the city, with an identifier, a name,
   a NACE code and a head count) is loaded by `ogr2ogr -f PostgreSQL` into a table of its
   own, and by the portal's pipeline end to end (inspect, validate, commit into
   cities_site with its indexes, thinning for the tiles, ANALYZE/VACUUM). The portal's
   rows are deleted again afterwards (dataset_delete), the ogr2ogr table dropped.
2. Export: the city's sites (topped up to M with generate_sites) as a GeoPackage, by
   `ogr2ogr -f GPKG` from PostGIS and by GET /export/sites.gpkg?city=..., each in a
   process of its own whose peak memory (RSS) is reported.

Machines here are noisy: only the ratios of one run mean anything.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The benchmark's own rate-limit budget, shared with no other client on the machine
# (a run sends thousands of requests; another client's use must not make it fail with 429).
os.environ.setdefault("API_THROTTLE_ANON", "100000000/min")
os.environ.setdefault("API_THROTTLE_USER", "100000000/min")
os.environ.setdefault("CACHE_KEY_PREFIX", "portal-benchmark")

import django

django.setup()

import pyarrow as pa  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pyogrio.raw import write_arrow  # noqa: E402

from cities.datasets import dataset_delete  # noqa: E402
from cities.gis_io import steps  # noqa: E402
from cities.models import City, Site  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# GDAL's command-line tools run as a partner would run them: none of the portal's settings.
GDAL_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}


def pg_dsn() -> str:
    db = settings.DATABASES["default"]
    parts = [f"dbname={db['NAME']}"]
    for key, name in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if db.get(key):
            parts.append(f"{name}={db[key]}")
    return "PG:" + " ".join(parts)


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), postgis_lib_version()")
        pg, postgis = cursor.fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True, env=GDAL_ENV)
    return (
        f"{platform.platform()}, {os.cpu_count()} cores, {memory:.0f} GiB; "
        f"{pg.split(',')[0]}, PostGIS {postgis}; {gdal.stdout.strip()}"
    )


def sites_file(city: City, rows: int, path: Path) -> Path:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.3)")
        cursor.execute(
            "SELECT ST_AsBinary((ST_Dump(ST_GeneratePoints(outline, %s, 7))).geom)"
            " FROM cities_city WHERE id = %s",
            [rows, city.pk],
        )
        points = [bytes(row[0]) for row in cursor.fetchall()]
    codes = ["25.62", "C10", "18", "31.01", "33", "32.99", "16"]
    table = pa.table(
        {
            "ref": [f"B{i}" for i in range(rows)],
            "name": [f"Workshop {i}" for i in range(rows)],
            "nace": [codes[i % len(codes)] for i in range(rows)],
            "staff": pa.array([1 + (i * 7) % 60 for i in range(rows)], pa.int32()),
            "geometry": pa.array(points, pa.binary()),
        }
    )
    write_arrow(
        table,
        path,
        layer="sites",
        driver="GPKG",
        geometry_name="geometry",
        geometry_type="Point",
        crs="EPSG:4326",
    )
    return path


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=GDAL_ENV, capture_output=True)
    return time.perf_counter() - started


def bench_import(city: City, rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = sites_file(city, rows, Path(tmp) / "sites.gpkg")
        ogr = timed(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg_dsn(),
                str(path),
                "-nln",
                "bench_ogr2ogr_sites",
                "-overwrite",
                "-lco",
                "SPATIAL_INDEX=GIST",
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_ogr2ogr_sites")
            # The same rows into a table built like cities_site (its indexes, its generated
            # Web Mercator column): what GDAL pays for the indexes the portal keeps.
            cursor.execute("DROP TABLE IF EXISTS bench_ogr2ogr_indexed")
            cursor.execute("CREATE TABLE bench_ogr2ogr_indexed (LIKE cities_site INCLUDING ALL)")
        indexed = timed(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg_dsn(),
                str(path),
                "-append",
                "-nln",
                "bench_ogr2ogr_indexed",
                "-nlt",
                "POINT",
                "-dialect",
                "SQLite",
                "-sql",
                f"SELECT {city.pk} AS city_id, {city.dataset_id} AS dataset_id, ref AS external_id,"
                " name, CAST(substr(replace(nace, 'C', ''), 1, 2) AS INTEGER) AS sector_id,"
                " staff AS employees, '' AS address, 16 AS min_zoom, geom AS geom FROM sites",
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_ogr2ogr_indexed")
            assert cursor.fetchone()[0] == rows
            cursor.execute("DROP TABLE bench_ogr2ogr_indexed")
        started = time.perf_counter()
        imp = steps.import_create(
            upload=SimpleUploadedFile("sites.gpkg", path.read_bytes()),
            target="sites",
            city=city,
            user=None,
            enqueue=False,
        )
        imp = steps.import_run_now(imp)
        inspected = time.perf_counter()
        imp = steps.import_map(
            imp=imp,
            layer=imp.layer,
            encoding=imp.encoding,
            srid=imp.srid,
            mapping=imp.mapping,
            enqueue=False,
        )
        imp = steps.import_run_now(imp)
        validated = time.perf_counter()
        assert imp.errors == 0, imp.issues.all()[:5]
        imp = steps.import_request_commit(
            imp=imp,
            mode="new",
            enqueue=False,
            dataset_values={
                "name": "Benchmark import (synthetic)",
                "publisher": "benchmarks",
                "licence": "CC0-1.0",
                "quality": "synthetic",
            },
        )
        imp = steps.import_run_now(imp)
        portal = time.perf_counter() - started
        assert imp.committed["created"] == rows, imp.job.message
        dataset_delete(dataset=imp.dataset)
        shutil.rmtree(steps.upload_path(imp).parent, ignore_errors=True)
        imp.delete()  # the benchmark's own import leaves no record
    return {
        "rows": rows,
        "ogr2ogr_s": round(ogr, 2),
        "portal_s": round(portal, 2),
        "inspect_s": round(inspected - started, 2),
        "validate_s": round(validated - inspected, 2),
        "commit_s": round(portal - (validated - started), 2),
        "ratio": round(portal / ogr, 2),
        "ogr2ogr_into_indexed_table_s": round(indexed, 2),
        "ratio_to_indexed": round(portal / indexed, 2),
    }


_EXPORT_CHILD = """
import os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django
django.setup()
from django.test import Client
started = time.perf_counter()
response = Client(HTTP_HOST="localhost").get("/export/sites.gpkg?city={city}")
with open({out!r}, "wb") as fh:
    for chunk in response.streaming_content:
        fh.write(chunk)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_export(city: City, sites: int) -> dict:
    have = Site.objects.filter(city=city).count()
    if have < sites:
        call_command("generate_sites", city=city.slug, count=sites - have)
    count = Site.objects.filter(city=city).count()
    with tempfile.TemporaryDirectory() as tmp:
        ogr_out, portal_out = Path(tmp) / "ogr.gpkg", Path(tmp) / "portal.gpkg"
        sql = (
            "SELECT s.id, s.external_id, s.name, c.slug AS city, s.sector_id AS sector,"
            " sec.name AS sector_name, s.employees, s.floor_area_m2, s.year_opened,"
            " s.year_closed, s.address, d.slug AS dataset, s.geom FROM cities_site s"
            " JOIN cities_city c ON c.id = s.city_id JOIN cities_sector sec"
            " ON sec.code = s.sector_id JOIN cities_dataset d ON d.id = s.dataset_id"
            f" WHERE s.city_id = {city.pk:d} ORDER BY s.id"
        )
        child = (
            "import resource, subprocess, sys, time; started = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(time.perf_counter() - started, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                child,
                "ogr2ogr",
                "-f",
                "GPKG",
                str(ogr_out),
                pg_dsn(),
                "-sql",
                sql,
                "-nln",
                "sites",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=GDAL_ENV,
        )
        ogr_s, ogr_rss = (float(v) for v in done.stdout.split())
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _EXPORT_CHILD.format(root=str(ROOT), city=city.slug, out=str(portal_out)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        portal_s, portal_rss = (float(v) for v in done.stdout.split()[-2:])
        sizes = (ogr_out.stat().st_size, portal_out.stat().st_size)
    return {
        "sites": count,
        "ogr2ogr_s": round(ogr_s, 2),
        "portal_s": round(portal_s, 2),
        "ratio": round(portal_s / ogr_s, 2),
        "ogr2ogr_peak_rss_mb": round(ogr_rss / 1024),
        "portal_peak_rss_mb": round(portal_rss / 1024),
        "file_mb": [round(s / 2**20, 1) for s in sizes],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city", default="london", help="city the import goes into")
    parser.add_argument("--export-city", default="brussels", help="city whose sites export")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-sites", type=int, default=1_000_000)
    args = parser.parse_args()
    city = City.objects.get(slug=args.city)
    print(machine())
    result = {"import": bench_import(city, args.import_rows)}
    print(json.dumps(result, indent=2), flush=True)
    result["export"] = bench_export(City.objects.get(slug=args.export_city), args.export_sites)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
