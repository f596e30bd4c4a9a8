"""The five map analyses end to end against the raw SQL computing the same result, in one run.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/analyses.py [--city brussels]
        [--sites 1000000] [--repeat 3]

Needs the demo data (`make run` or `manage.py load_demo`). When the city has fewer sites
than --sites, the difference is added first with `generate_sites` (and kept, as the other
benchmarks do).

End to end is what an official waits for: the request (form validation, reuse check,
job row), the run as the worker runs it (`job_execute`: claim, one REPEATABLE READ
transaction, the result's features and summary stored, the job finished) and the
result page rendered. The Celery hop itself (Redis, the worker picking the message up)
is left out: it is milliseconds, and no worker runs beside this script. Each repetition
deletes its result first, so none is reused.

The raw SQL is the plain PostGIS formulation of the same answer, reading the same rows
and returning its figures to the client without storing anything:
density with `ST_HexagonGrid` joined to the points, clusters with `ST_ClusterDBSCAN` and
hulls, access with `ST_DWithin` to the stations and the district of each site, sites at
risk with `ST_Intersects` on the zones of each year, land change with unions and differences by
district. Both sides run without JIT, as the analyses do.

Machines here are noisy: only the ratios of one run mean anything.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CACHE_KEY_PREFIX", "portal-benchmark")
os.environ.setdefault("ANALYSIS_TIME_LIMIT", "3600")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from benchmarks.common import machine  # noqa: E402
from cities.analyses.base import get_kind  # noqa: E402
from cities.analyses.services import analysis_delete, analysis_request  # noqa: E402
from cities.jobs import job_execute  # noqa: E402
from cities.models import Analysis, City, Job, Site  # noqa: E402

SITES_3035 = "(SELECT ST_Transform(geom, 3035) AS g, employees FROM cities_site s"
OPEN = " WHERE s.city_id = %(city)s AND s.year_closed IS NULL)"

RAW = {
    "density": f"""
        WITH p AS {SITES_3035}{OPEN}
        SELECT h.i, h.j, count(*), sum(p.employees)
        FROM ST_HexagonGrid(500, (SELECT ST_SetSRID(ST_Extent(g), 3035) FROM p)) AS h
        JOIN p ON ST_Intersects(h.geom, p.g)
        GROUP BY h.i, h.j
    """,
    "clusters": f"""
        WITH c AS (
          SELECT g, employees,
                 ST_ClusterDBSCAN(g, eps => %(distance)s, minpoints => %(min_points)s) OVER () AS k
          FROM {SITES_3035}{OPEN} AS p
        )
        SELECT k, count(*), sum(employees), ST_Area(ST_ConvexHull(ST_Collect(g)))
        FROM c WHERE k IS NOT NULL GROUP BY k
    """,
    "transport-access": """
        WITH stops AS (
          SELECT ST_Transform(f.geom, 3035) AS g FROM cities_contextfeature f
          JOIN cities_contextlayer l ON l.id = f.layer_id
          WHERE l.city_id = %(city)s AND l.slug = %(layer)s
        ), p AS (
          SELECT s.geom, ST_Transform(s.geom, 3035) AS g, s.employees FROM cities_site s
          WHERE s.city_id = %(city)s AND s.year_closed IS NULL
        )
        SELECT d.name, count(*), count(*) FILTER (WHERE near), sum(employees) FILTER (WHERE near)
        FROM (
          SELECT p.geom, p.employees,
                 EXISTS (SELECT 1 FROM stops WHERE ST_DWithin(stops.g, p.g, 800)) AS near
          FROM p
        ) AS t
        LEFT JOIN cities_district d ON d.city_id = %(city)s AND ST_Intersects(d.geom, t.geom)
        GROUP BY d.name
    """,
    # Each site against the zones through their GiST index: the same test against one union
    # of the zones (ST_Difference of the two years) ran for more than ten minutes here.
    "sites-at-risk": """
        SELECT count(*), sum(s.employees)
        FROM cities_site s
        WHERE s.city_id = %(city)s AND s.year_closed IS NULL
          AND EXISTS (SELECT 1 FROM cities_landzone z
                      WHERE z.city_id = %(city)s AND z.reference_year = %(year_from)s
                        AND ST_Intersects(z.geom, s.geom))
          AND NOT EXISTS (SELECT 1 FROM cities_landzone z
                          WHERE z.city_id = %(city)s AND z.reference_year = %(year_to)s
                            AND ST_Intersects(z.geom, s.geom))
    """,
    "land-change": """
        WITH a AS (SELECT ST_Union(ST_Transform(geom, 3035)) AS g FROM cities_landzone
                   WHERE city_id = %(city)s AND reference_year = %(year_from)s),
             b AS (SELECT ST_Union(ST_Transform(geom, 3035)) AS g FROM cities_landzone
                   WHERE city_id = %(city)s AND reference_year = %(year_to)s),
             d AS (SELECT name, ST_Transform(geom, 3035) AS g FROM cities_district
                   WHERE city_id = %(city)s)
        SELECT d.name,
               ST_Area(ST_Intersection(ST_Difference(a.g, b.g), d.g)) / 1e4,
               ST_Area(ST_Intersection(ST_Difference(b.g, a.g), d.g)) / 1e4,
               ST_Area(ST_Intersection(ST_Intersection(a.g, b.g), d.g)) / 1e4
        FROM a, b, d
    """,
}


def parameters(city: City) -> dict[str, dict]:
    layer = city.contextlayer_set.order_by("slug").values_list("slug", flat=True).first()
    return {
        "density": {"cell_size": 500, "measure": "sites"},
        "clusters": {"distance": 200, "min_points": 20},
        # Small neighbourhoods, where most sites are in sparse cells: ST_ClusterDBSCAN's case.
        "clusters:sparse": {"distance": 30, "min_points": 10},
        "transport-access": {"layer": layer, "distance": 800},
        "sites-at-risk": {"year_from": 2009, "year_to": 2019},
        "land-change": {"year_from": 2009, "year_to": 2019},
    }


def parameters_names() -> list[str]:
    """The cases run: a kind, or a kind and a second set of parameters (kind:name)."""
    return ["density", "clusters", "clusters:sparse", "transport-access", "sites-at-risk",
            "land-change"]  # fmt: skip


def raw_ms(kind: str, city: City, params: dict) -> float:
    values = {"city": city.pk, **params}
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(RAW[kind], values)
        cursor.fetchall()
    return (time.perf_counter() - start) * 1000


def end_to_end_ms(kind: str, city: City, params: dict, user, client: Client) -> tuple[float, int]:
    start = time.perf_counter()
    form = get_kind(kind).form(data=params, city=city)
    if not form.is_valid():
        raise SystemExit(f"{kind}: {form.errors.as_text()}")
    requested = analysis_request(user=user, city=city, kind=get_kind(kind), params=form.params())
    job_execute(job_id=requested.analysis.job_id)
    response = client.get(requested.analysis.get_absolute_url())
    elapsed = (time.perf_counter() - start) * 1000
    analysis = Analysis.objects.select_related("job").get(pk=requested.analysis.pk)
    if analysis.job.status != Job.Status.SUCCEEDED or response.status_code != 200:
        raise SystemExit(f"{kind}: {analysis.job.status} {analysis.job.message}")
    features = analysis.feature_count
    analysis_delete(analysis=analysis)
    return elapsed, features


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--city", default="brussels")
    parser.add_argument("--sites", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(parameters_names()))
    args = parser.parse_args()

    city = City.objects.get(slug=args.city)
    have = Site.objects.filter(city=city).count()
    if have < args.sites:
        print(f"{city.slug} has {have:,} sites; generating {args.sites - have:,} more")
        call_command("generate_sites", city=city.slug, count=args.sites - have)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cities_site")
        # The analyses run without JIT (cities/analyses/base.py); so does the raw SQL, or
        # its compile time (about a second) would flatter the ratios.
        cursor.execute("SET jit = off")
    total = Site.objects.filter(city=city).count()
    user, _ = get_user_model().objects.get_or_create(
        username="benchmark-staff", defaults={"is_staff": True, "email": "bench@example.org"}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    chosen = parameters(city)

    print(f"machine: {machine()}")
    print(f"{city.slug}: {total:,} sites\n")
    rows = []
    with override_settings(ALLOWED_HOSTS=["*"]):
        for case in args.kinds.split(","):
            params, kind = chosen[case], case.split(":")[0]
            raw_ms(kind, city, params)  # warm the cache, as the analysis's run will find it
            raws, ends, features = [], [], 0
            for _ in range(args.repeat):
                raws.append(raw_ms(kind, city, params))
                elapsed, features = end_to_end_ms(kind, city, params, user, client)
                ends.append(elapsed)
            raw, end = statistics.median(raws), statistics.median(ends)
            target = 1.2 * raw + 1000
            rows.append((case, params, raw, end, end / raw, target, features))
            print(f"{case}: raw {raw:.0f} ms, end to end {end:.0f} ms ({end / raw:.2f}x)")

    print("\n| analysis | parameters | raw SQL p50 (ms) | end to end p50 (ms) | ratio "
          "| target (1.2 x raw + 1 s) | result | features |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind, params, raw, end, ratio, target, features in rows:
        shown = ", ".join(f"{k} {v}" for k, v in params.items())
        verdict = "ok" if end <= target else "MISSED"
        print(
            f"| {kind} | {shown} | {raw:,.0f} | {end:,.0f} | {ratio:.2f} | {target:,.0f} "
            f"| {verdict} | {features:,} |"
        )


if __name__ == "__main__":
    main()
