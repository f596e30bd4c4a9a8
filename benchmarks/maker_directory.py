"""The maker directory with 50,000 workspaces: its map, the near search and the page.

    DJANGO_DEBUG=1 LOG_LEVEL=WARNING .venv/bin/python benchmarks/maker_directory.py

Needs the demo data. Adds 50,000 published workspaces around Brussels (set-based
SQL, inside a transaction that is rolled back at the end, so the database is
left as it was), then times, each against the raw SQL doing the same work:

- the map's markers, `GET /makers/map.geojson?bbox&zoom`, for 120 views a person
  would look at (zoom 9 to 17, panned around the region), against a hand-written
  grid-grouping statement; the size of each response is reported too, beside the
  size of sending every workspace as GeoJSON;
- the near search through the API, `GET /api/v1/workspaces/?near&km&limit=20`,
  against the same KNN query written by hand;
- the directory page filtered by city and process (no ratio: it renders HTML).
"""

import json
import os
import random
import statistics
import sys
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.common import timed  # noqa: E402
from stakeholders.models import Workspace  # noqa: E402
from stakeholders.selectors import CLUSTER_PX, POINTS_FROM_ZOOM, WORLD_3857  # noqa: E402
from stakeholders.services import community_dataset  # noqa: E402

N = 50_000
CENTRE = (4.35, 50.85)  # Brussels

GENERATE_SQL = """
WITH owner AS (SELECT id FROM stakeholders_user ORDER BY id LIMIT 1),
city AS (SELECT id FROM cities_city WHERE slug = 'brussels'),
made AS (
  INSERT INTO stakeholders_workspace (slug, name, description, city_id, address, location,
      materials_note, production_runs, minimum_order, works_with, open_to_collaboration,
      looking_for_space, website, email, phone, contact_public, tenure, owner_id, dataset_id,
      status, submitted_at, last_confirmed_at, created_at, updated_at)
  SELECT 'bench-' || n, 'Bench workshop ' || n, 'Generated for the benchmark.', city.id,
         n || ' Bench Street',
         ST_SetSRID(ST_MakePoint(%(x)s + (random() - 0.5) * 0.5 * random(),
                                 %(y)s + (random() - 0.5) * 0.3 * random()), 4326)::geography,
         '', ARRAY[(ARRAY['one_off', 'short', 'batch'])[1 + n %% 3]], '', ARRAY['businesses'],
         n %% 2 = 0, n %% 5 = 0, '', '', '', false, 'rent', owner.id, %(dataset)s,
         'approved', now(), now() - (n %% 500) * interval '1 day', now(), now()
  FROM generate_series(1, %(n)s) AS n, owner, city
  RETURNING id
)
INSERT INTO stakeholders_workspace_processes (workspace_id, process_id)
SELECT made.id, p.id FROM made
JOIN LATERAL (SELECT id FROM stakeholders_process ORDER BY id
              OFFSET made.id %% 19 LIMIT 1) AS p ON true
"""

# The same grid grouping, written by hand: what the map endpoint's SQL must not be much
# slower than.
RAW_CLUSTERS = """
SELECT json_build_object('type', 'FeatureCollection', 'features',
         COALESCE(json_agg(json_build_object('type', 'Feature',
           'geometry', ST_AsGeoJSON(
               ST_Transform(ST_SetSRID(ST_MakePoint(c.x, c.y), 3857), 4326), 6)::json,
           'properties', CASE WHEN c.n = 1 THEN json_build_object('count', 1, 'name', w.name,
                            'slug', w.slug, 'stale', w.last_confirmed_at < now())
                          ELSE json_build_object('count', c.n) END)),
         '[]'::json))::text
FROM (SELECT count(*) AS n, avg(ST_X(geom_3857)) AS x, avg(ST_Y(geom_3857)) AS y,
             min(id) AS one
      FROM stakeholders_workspace
      WHERE status = 'approved' AND closed_at IS NULL
        AND geom_3857 && ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857)
      GROUP BY floor(ST_X(geom_3857) / %s), floor(ST_Y(geom_3857) / %s)) AS c
LEFT JOIN stakeholders_workspace w ON c.n = 1 AND w.id = c.one
"""

# The same answer as the API: the 20 nearest within 5 km as GeoJSON features with their
# city, vocabularies and distance, built by PostGIS.
RAW_NEAR = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
  json_build_object('id', w.slug, 'type', 'Feature',
    'geometry', ST_AsGeoJSON(w.location, 6)::json,
    'properties', json_build_object(
      'name', w.name, 'description', w.description, 'city', c.slug, 'address', w.address,
      'sectors', ARRAY(SELECT sector_id FROM stakeholders_workspace_sectors
                       WHERE workspace_id = w.id),
      'processes', ARRAY(SELECT p.code FROM stakeholders_workspace_processes wp
                         JOIN stakeholders_process p ON p.id = wp.process_id
                         WHERE wp.workspace_id = w.id),
      'machines', ARRAY(SELECT m.code FROM stakeholders_workspace_machines wm
                        JOIN stakeholders_machine m ON m.id = wm.machine_id
                        WHERE wm.workspace_id = w.id),
      'materials_used', ARRAY(SELECT m.code FROM stakeholders_workspace_materials_used u
                              JOIN cities_materialcategory m ON m.id = u.materialcategory_id
                              WHERE u.workspace_id = w.id),
      'materials_offered', ARRAY(SELECT m.code FROM stakeholders_workspace_materials_offered o
                                 JOIN cities_materialcategory m ON m.id = o.materialcategory_id
                                 WHERE o.workspace_id = w.id),
      'floor_area_m2', w.floor_area_m2, 'employees', w.employees, 'tenure', w.tenure,
      'production_runs', w.production_runs, 'works_with', w.works_with,
      'open_to_collaboration', w.open_to_collaboration,
      'looking_for_space', w.looking_for_space, 'last_confirmed_at', w.last_confirmed_at,
      'quality', d.quality, 'distance_m', round(w.dist::numeric, 1)))
  ORDER BY w.dist, w.id), '[]'::json))::text
FROM (
  SELECT *, location <-> ST_GeogFromText(%s) AS dist FROM stakeholders_workspace
  WHERE id IN (SELECT id FROM stakeholders_workspace
               WHERE status = 'approved' AND closed_at IS NULL
               ORDER BY geom_3857 <-> ST_Transform(ST_GeomFromEWKT(%s), 3857)
               LIMIT 1000)
  ORDER BY dist, id
) AS w
JOIN cities_city c ON c.id = w.city_id
JOIN cities_dataset d ON d.id = w.dataset_id
WHERE w.dist <= %s
  AND w.id IN (SELECT id FROM (SELECT id, location <-> ST_GeogFromText(%s) AS dd
                               FROM stakeholders_workspace
                               WHERE id IN (SELECT id FROM stakeholders_workspace
                                            WHERE status = 'approved' AND closed_at IS NULL
                                            ORDER BY geom_3857 <->
                                              ST_Transform(ST_GeomFromEWKT(%s), 3857)
                                            LIMIT 1000)
                               ORDER BY dd, id LIMIT 20) AS first20)
"""


def view(rng: random.Random, zoom: int) -> tuple[float, float, float, float]:
    """A 1280 x 600 px map view at this zoom, somewhere over the generated region."""
    degrees_per_px = 360 / (256 * 2**zoom)
    half_w, half_h = 640 * degrees_per_px, 300 * degrees_per_px * 0.63
    x = CENTRE[0] + rng.uniform(-0.15, 0.15)
    y = CENTRE[1] + rng.uniform(-0.08, 0.08)
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), postgis_lib_version()")
        pg, postgis = cursor.fetchone()
    return f"{os.cpu_count()} cores; {pg.split(' on ')[0]}; PostGIS {postgis}"


def main() -> None:
    # Earlier runs' rolled-back rows are dead weight that scans would still read.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE stakeholders_workspace")
        cursor.execute("VACUUM ANALYZE stakeholders_workspace_processes")
    rng = random.Random(11)
    client = Client(HTTP_HOST="localhost")
    rows = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                GENERATE_SQL,
                {"x": CENTRE[0], "y": CENTRE[1], "n": N, "dataset": community_dataset().pk},
            )
            cursor.execute("ANALYZE stakeholders_workspace")
            cursor.execute("ANALYZE stakeholders_workspace_processes")
        listed = Workspace.objects.filter(status="approved", closed_at=None).count()

        # Everything at once, as a map without grouping would have to load it.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT length(json_agg(json_build_object('type', 'Feature', 'geometry',"
                " ST_AsGeoJSON(location, 6)::json, 'properties', json_build_object("
                "'name', name, 'slug', slug)))::text) FROM stakeholders_workspace"
                " WHERE status = 'approved' AND closed_at IS NULL"
            )
            everything_bytes = cursor.fetchone()[0]

        views = [(z, view(rng, z)) for z in range(9, 18) for _ in range(14)][:120]
        for zoom, box in views[:10]:  # warm up
            client.get("/makers/map.geojson", {"bbox": ",".join(map(str, box)), "zoom": zoom})
        map_ms, raw_ms, sizes, markers = [], [], [], []
        for zoom, box in views:
            cell = 0.01 if zoom >= POINTS_FROM_ZOOM else WORLD_3857 / (256 * 2**zoom) * CLUSTER_PX

            def raw(box=box, cell=cell):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '32MB'; SET LOCAL jit = off")
                    cursor.execute(RAW_CLUSTERS, [*box, cell, cell])
                    return cursor.fetchone()[0]

            ms, _ = timed(raw)
            raw_ms.append(ms)
            ms, response = timed(
                lambda box=box, zoom=zoom: client.get(
                    "/makers/map.geojson", {"bbox": ",".join(map(str, box)), "zoom": zoom}
                )
            )
            assert response.status_code == 200
            map_ms.append(ms)
            sizes.append(len(response.content))
            markers.append(len(json.loads(response.content)["features"]))

        near_ms, near_raw_ms = [], []
        for _ in range(40):
            lon = CENTRE[0] + rng.uniform(-0.1, 0.1)
            lat = CENTRE[1] + rng.uniform(-0.06, 0.06)
            point = f"SRID=4326;POINT({lon} {lat})"

            def raw_near(point=point):
                with connection.cursor() as cursor:
                    cursor.execute(RAW_NEAR, [point, point, 5000, point, point])
                    return cursor.fetchone()[0]

            ms, _ = timed(raw_near)
            near_raw_ms.append(ms)
            ms, response = timed(
                lambda lat=lat, lon=lon: client.get(
                    "/api/v1/workspaces/", {"near": f"{lon},{lat}", "km": 5, "limit": 20}
                )
            )
            assert response.status_code == 200
            near_ms.append(ms)

        page_ms = []
        for code in ("welding", "woodworking", "sewing", "printing", "repair") * 4:
            ms, response = timed(
                lambda code=code: client.get("/makers/", {"city": "brussels", "process": code})
            )
            assert response.status_code == 200
            page_ms.append(ms)
        transaction.set_rollback(True)

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1]

    p50 = statistics.median
    rows = [
        ("map markers SQL (hand-written)", raw_ms, None),
        ("`GET /makers/map.geojson` (120 views, z9–17)", map_ms, p50(map_ms) / p50(raw_ms)),
        ("near, SQL building the same GeoJSON (20 nearest within 5 km)", near_raw_ms, None),
        ("`GET /api/v1/workspaces/?near=&km=5&limit=20`", near_ms, p50(near_ms) / p50(near_raw_ms)),
        ("`GET /makers/?city=&process=` (page of 20, HTML)", page_ms, None),
    ]  # fmt: skip
    print(f"Machine: {machine()}")
    print(f"Data: {listed:,} published workspaces ({N:,} generated around Brussels).")
    print()
    print("| measure | p50 (ms) | p90 (ms) | max (ms) | ratio to SQL (p50) |")
    print("|---|---|---|---|---|")
    for name, values, ratio in rows:
        shown = f"{ratio:.2f}" if ratio is not None else ""
        print(f"| {name} | {p50(values):.1f} | {p(values, 90):.1f} | {max(values):.1f} | {shown} |")
    print()
    print(
        f"Map responses: at most {max(markers)} markers and {max(sizes) / 1024:.1f} KB "
        f"(median {p50(sizes) / 1024:.1f} KB); every workspace as GeoJSON would be "
        f"{everything_bytes / 1024 / 1024:.1f} MB."
    )


if __name__ == "__main__":
    main()
