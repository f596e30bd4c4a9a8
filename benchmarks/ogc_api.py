"""`/ogc/` against tipg and pygeoapi, and against the raw SQL, on the same sites.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/ogc_api.py [--repeat 5] [--skip-install]

Needs the demo data topped up to 1,000,000 sites (`generate_sites --city brussels --count
995000`) and London to 100,000 (`generate_sites --city london --count 95000`). Each server
is one process on this machine, read over HTTP by this script, one request at a time:

- the portal's `/ogc/` under gunicorn (one worker, one thread, debug off), reading
  `cities_site` through the layer catalogue (its joins to cities, sectors and datasets);
- tipg 1.6 (FastAPI and asyncpg, under uvicorn) and pygeoapi's PostgreSQL provider (Flask
  under gunicorn, one worker), each installed by this script in a virtual environment of
  its own under /tmp, serving `bench_ogc.sites`: a table with the same columns the
  catalogue's SQL gives (so they do not pay for the joins), its primary key and GiST index.
  pygeoapi 0.24 needs Python 3.12; this machine has 3.11, so the newest that installs,
  0.21, is measured.

The raw SQL reference builds the same GeoJSON page in PostgreSQL, with the keyset where
the portal uses one. Machines here are noisy: only ratios within one run mean anything.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.common import machine, timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PORTS = {"portal": 8301, "tipg": 8302, "pygeoapi": 8303}
VENVS = {name: Path(tempfile.gettempdir()) / f"bench-{name}" for name in ("tipg", "pygeoapi")}
PACKAGES = {
    "tipg": ["tipg>=1.6,<1.7", "uvicorn"],
    "pygeoapi": ["pygeoapi==0.21.0", "psycopg2-binary", "SQLAlchemy<2.1", "GeoAlchemy2",
                 "gunicorn"],
}  # fmt: skip
COLLECTION = {"portal": "sites", "tipg": "bench_ogc.sites", "pygeoapi": "sites"}


def install(name: str) -> None:
    venv = VENVS[name]
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", *PACKAGES[name]], check=True, timeout=900
    )


def prepare_table() -> int:
    """`bench_ogc.sites`: the catalogue's columns of every site, flat, indexed."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS bench_ogc CASCADE; CREATE SCHEMA bench_ogc")
        cursor.execute(
            "CREATE TABLE bench_ogc.sites AS"
            " SELECT s.id, s.external_id, s.name, c.slug AS city, s.sector_id AS sector,"
            " sec.name AS sector_name, s.employees, s.floor_area_m2, s.year_opened,"
            " s.year_closed, s.address, d.slug AS dataset, s.geom"
            " FROM cities_site s JOIN cities_city c ON c.id = s.city_id"
            " JOIN cities_sector sec ON sec.code = s.sector_id"
            " JOIN cities_dataset d ON d.id = s.dataset_id"
        )
        cursor.execute("ALTER TABLE bench_ogc.sites ADD PRIMARY KEY (id)")
        cursor.execute("CREATE INDEX ON bench_ogc.sites USING gist (geom)")
        cursor.execute("CREATE INDEX ON bench_ogc.sites (sector, id)")
        cursor.execute("CREATE INDEX ON bench_ogc.sites (city, id)")
        cursor.execute("ANALYZE bench_ogc.sites")
        cursor.execute("SELECT count(*) FROM bench_ogc.sites")
        return cursor.fetchone()[0]


def drop_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS bench_ogc CASCADE")


def pygeoapi_config(folder: Path) -> Path:
    db = connection.settings_dict
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": PORTS["pygeoapi"]},
            "url": f"http://127.0.0.1:{PORTS['pygeoapi']}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["b"],
                               "keywords_type": "theme", "terms_of_service": "",
                               "url": "http://127.0.0.1"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench"},
        },
        "resources": {
            "sites": {
                "type": "collection",
                "title": "sites",
                "description": "sites",
                "keywords": ["sites"],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": {"host": db.get("HOST") or "127.0.0.1",
                             "port": int(db.get("PORT") or 5432), "dbname": db["NAME"],
                             "user": db.get("USER") or "root",
                             "password": db.get("PASSWORD") or "",
                             "search_path": ["bench_ogc", "public"]},
                    "id_field": "id",
                    "table": "sites",
                    "geom_field": "geom",
                }],
            }
        },
    }  # fmt: skip
    path = folder / "pygeoapi.yml"
    # YAML is a superset of JSON: the config needs no YAML writer.
    path.write_text(json.dumps(config))
    openapi = folder / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(path), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(VENVS["pygeoapi"] / "bin" / "pygeoapi"), "openapi", "generate", str(path),
         "--output-file", str(openapi)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    return path


def start(name: str, folder: Path) -> subprocess.Popen:
    db = connection.settings_dict
    dsn = (
        f"postgresql://{db.get('USER') or 'root'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )
    port = str(PORTS[name])
    if name == "portal":
        env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "benchmark-only",
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
               "DJANGO_SECURE_SSL_REDIRECT": "0",
               "DATABASE_URL": dsn.replace("postgresql://", "postgis://"),
               "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
               # The same address a tile or page of the portal would be cached under.
               "CACHE_KEY_PREFIX": "portal-benchmark"}  # fmt: skip
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", "1",
                   "--threads", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "300"]  # fmt: skip
    elif name == "tipg":
        env = {**os.environ, "DATABASE_URL": dsn, "TIPG_DB_SCHEMAS": '["bench_ogc"]',
               "TIPG_MAX_FEATURES_PER_QUERY": "10000",
               "TIPG_DEFAULT_FEATURES_LIMIT": "100"}  # fmt: skip
        command = [str(VENVS["tipg"] / "bin" / "uvicorn"), "tipg.main:app", "--port", port,
                   "--host", "127.0.0.1", "--log-level", "warning"]  # fmt: skip
    else:
        config = pygeoapi_config(folder)
        env = {**os.environ, "PYGEOAPI_CONFIG": str(config),
               "PYGEOAPI_OPENAPI": str(folder / "openapi.yml")}  # fmt: skip
        command = [str(VENVS["pygeoapi"] / "bin" / "gunicorn"), "pygeoapi.flask_app:APP",
                   "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "300"]  # fmt: skip
    with (folder / f"{name}.log").open("w") as log:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True,
        )  # fmt: skip
    landing = "/ogc/?f=json" if name == "portal" else "/?f=json"
    for _ in range(120):
        try:
            get(PORTS[name], landing)
            return process
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{name} did not start: see {folder / (name + '.log')}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def items_path(name: str, **params) -> str:
    prefix = "/ogc" if name == "portal" else ""
    if name == "pygeoapi":
        params["f"] = "json"
    return f"{prefix}/collections/{COLLECTION[name]}/items?{urllib.parse.urlencode(params)}"


def get(port: int, path: str) -> bytes:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection_.request("GET", path, headers={"Accept": "application/geo+json"})
        response = connection_.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status} for {path}: {body[:300]!r}")
        return body
    finally:
        connection_.close()


def fetch(port: int, path: str) -> int:
    return len(json.loads(get(port, path))["features"])


def raw_page_ms(condition: str, params: list, order_offset: int | None = None) -> float:
    """The same page built by PostgreSQL: GeoJSON of `limit` rows of the flat table."""
    sql = (
        "SELECT json_build_object('type', 'FeatureCollection', 'features',"
        " COALESCE(json_agg(ST_AsGeoJSON(p.*, 'geom', 6)::json), '[]'))::text FROM ("
        f"SELECT * FROM bench_ogc.sites WHERE {condition} ORDER BY id LIMIT %s"
        + (" OFFSET %s" if order_offset is not None else "")
        + ") AS p"
    )
    args = [*params] + ([order_offset] if order_offset is not None else [])
    with connection.cursor() as cursor:
        ms, _ = timed(lambda: (cursor.execute(sql, args), cursor.fetchone()))
    return ms


def p50(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    if not args.skip_install:
        for name in VENVS:
            install(name)
    total = prepare_table()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM bench_ogc.sites ORDER BY id OFFSET 899999 LIMIT 1")
        deep_after = cursor.fetchone()[0] if total >= 900_000 else 0
        # A box around the densest part of Brussels holding at least 10,000 sites.
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom)"
            " AS e FROM (SELECT geom FROM bench_ogc.sites WHERE city = 'brussels'"
            " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(4.35, 50.85), 4326) LIMIT 12000) AS n)"
            " AS box"
        )
        box = ",".join(f"{v:.6f}" for v in cursor.fetchone())
        cursor.execute("SELECT count(*) FROM bench_ogc.sites WHERE city = 'london'")
        london = cursor.fetchone()[0]
    west, south, east, north = (float(v) for v in box.split(","))
    cases = {
        "first page of 1,000": (
            {"portal": {"limit": 1000}, "tipg": {"limit": 1000}, "pygeoapi": {"limit": 1000}},
            lambda: raw_page_ms("id > %s", [0, 1000]),
        ),
        "page of 1,000 at 900,000": (
            {"portal": {"limit": 1000, "after": deep_after},
             "tipg": {"limit": 1000, "offset": 900_000},
             "pygeoapi": {"limit": 1000, "offset": 900_000}},
            lambda: raw_page_ms("id > %s", [deep_after, 1000]),
        ),
        "bbox, 10,000 features": (
            {name: {"limit": 10000, "bbox": box} for name in PORTS},
            lambda: raw_page_ms("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                                [west, south, east, north, 10000]),
        ),
        "CQL2 sector = 25, 1,000": (
            # pygeoapi 0.21 names the language by its pre-CQL2 name.
            {name: {"limit": 1000, "filter": "sector = 25",
                    "filter-lang": "cql-text" if name == "pygeoapi" else "cql2-text"}
             for name in PORTS},
            lambda: raw_page_ms("sector = %s", [25, 1000]),
        ),
    }  # fmt: skip
    results: dict[str, dict[str, float]] = {case: {} for case in cases}
    counts: dict[str, dict[str, int]] = {case: {} for case in cases}
    folder = Path(tempfile.mkdtemp(prefix="bench-ogc-"))
    try:
        for case, (_params, raw) in cases.items():
            raw()
            results[case]["raw SQL"] = p50([raw() for _ in range(args.repeat)])
        for name in PORTS:
            process = start(name, folder)
            try:
                port = PORTS[name]
                for case, (params, _raw) in cases.items():
                    path = items_path(name, **params[name])
                    counts[case][name] = fetch(port, path)  # warm
                    results[case][name] = p50(
                        [timed(lambda p=path, n=port: fetch(n, p))[0] for _ in range(args.repeat)]
                    )
                results.setdefault(f"ogr2ogr, all {london:,} London sites", {})[name] = ogr2ogr_ms(
                    name, folder
                )
            finally:
                stop(process)
    finally:
        drop_table()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{machine()}; {total:,} sites; p50 of {args.repeat} (ms)\n")
    print(
        "| request | raw SQL | /ogc/ | tipg 1.6 | pygeoapi 0.21 | /ogc/ ÷ tipg | pygeoapi ÷ /ogc/ |"
    )
    print("|---|---|---|---|---|---|---|")
    for case, row in results.items():
        raw = f"{row['raw SQL']:.0f}" if "raw SQL" in row else "—"
        ours, tipg, pga = row.get("portal"), row.get("tipg"), row.get("pygeoapi")
        print(
            f"| {case} | {raw} | {ours:.0f} | {tipg:.0f} | {pga:.0f} | {ours / tipg:.2f} |"
            f" {pga / ours:.1f} |"
        )
    print("\nfeatures returned:", json.dumps(counts))


def ogr2ogr_ms(name: str, folder: Path) -> float:
    """Every London site through GDAL's OAPIF driver, its `-where` pushed down as a filter."""
    out = folder / f"{name}.gpkg"
    out.unlink(missing_ok=True)
    base = f"http://127.0.0.1:{PORTS[name]}" + ("/ogc" if name == "portal" else "")
    command = ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}", COLLECTION[name],
               "-where", "city = 'london'", "-oo", "PAGE_SIZE=1000"]  # fmt: skip
    # Without the portal's own GDAL settings (no network drivers, no proxy), as a partner runs it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_", "OGR_"))}
    ms, done = timed(
        lambda: subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    )
    if done.returncode != 0:
        print(f"ogr2ogr against {name} failed: {done.stderr[-500:]}")
        return float("nan")
    info = subprocess.run(
        ["ogrinfo", "-so", "-al", str(out)], capture_output=True, text=True, env=env
    )
    count = next((line for line in info.stdout.splitlines() if "Feature Count" in line), "?")
    print(f"ogr2ogr {name}: {count}")
    return ms


if __name__ == "__main__":
    main()
