"""City-map performance against the raw SQL doing the same work, in one run.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/city_maps.py [--city brussels] [--sites 1000000]

Needs the demo data (`make run` or `manage.py load_demo`). If the city has fewer
sites than --sites, it first adds the difference with `generate_sites`.

Measures, on the same tiles and pages, in one run:
- uncached tile endpoint (Django view: validation, cache miss, SQL, cache store)
  against the identical ST_AsMVT SQL run directly, over >= 200 tiles at z10-16;
- the cached tile endpoint;
- the largest tile at every zoom 0-16 over the city;
- a sites GeoJSON page of 1,000 features against the SQL that builds the same JSON.
"""

import argparse
import math
import os
import random
import statistics
import sys
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
import mapbox_vector_tile

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.common import machine, timed  # noqa: E402
from cities.models import City, Site  # noqa: E402
from cities.selectors import _SITE_PAGE_SQL  # noqa: E402
from cities.tile_versions import _KEY, _fresh  # noqa: E402
from cities.tiles import render_tile, tile_query  # noqa: E402

EMPTY = QueryDict("")


def tile_range(bbox, z):
    west, south, east, north = bbox

    def to_xy(lon, lat):
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return min(max(x, 0), n - 1), min(max(y, 0), n - 1)

    x0, y0 = to_xy(west, north)
    x1, y1 = to_xy(east, south)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def same_features(a: bytes, b: bytes) -> bool:
    """Two tiles draw the same sites (PostGIS may order them differently)."""

    def ids(data: bytes) -> set:
        layers = mapbox_vector_tile.decode(data) if data else {}
        return {f["properties"]["id"] for layer in layers.values() for f in layer["features"]}

    return ids(a) == ids(b)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--city", default="brussels")
    parser.add_argument("--sites", type=int, default=1_000_000)
    parser.add_argument("--per-zoom", type=int, default=30)
    args = parser.parse_args()

    city = City.objects.get(slug=args.city)
    have = Site.objects.filter(city=city).count()
    if have < args.sites:
        print(f"{city.slug} has {have:,} sites; generating {args.sites - have:,} more")
        call_command("generate_sites", city=city.slug, count=args.sites - have)
    total = Site.objects.filter(city=city).count()
    bbox = city.outline.extent
    rng = random.Random(42)
    client = Client(HTTP_HOST="localhost")

    # ---- Tiles: >= 200 at z10-16 over the city, busiest first half, random rest
    tiles = []
    for z in range(10, 17):
        candidates = tile_range(bbox, z)
        rng.shuffle(candidates)
        tiles += candidates[: args.per_zoom + max(0, z - 12) * args.per_zoom // 2]
    for z, x, y in tiles:  # warm PostgreSQL's buffers for both sides alike
        render_tile(tile_query("sites", z, x, y, EMPTY))

    from django.core.cache import cache

    cache.set(_KEY.format(layer="sites"), _fresh(), timeout=None)  # every tile a cache miss
    raw, endpoint, cached, sizes = [], [], [], {}
    for z, x, y in tiles:
        url = f"/tiles/sites/{z}/{x}/{y}.pbf"
        ms_raw, data = timed(lambda z=z, x=x, y=y: render_tile(tile_query("sites", z, x, y, EMPTY)))
        ms_view, response = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert same_features(response.content, data), url
        raw.append(ms_raw)
        endpoint.append(ms_view)
        sizes[(z, x, y)] = len(data)
    for z, x, y in tiles:
        ms_hit, response = timed(lambda z=z, x=x, y=y: client.get(f"/tiles/sites/{z}/{x}/{y}.pbf"))
        cached.append(ms_hit)

    # ---- Largest tile at every zoom 0-16 (every tile over the city up to 2,000 a zoom)
    largest = {}
    for z in range(0, 17):
        candidates = tile_range(bbox, z)
        if len(candidates) > 2000:
            candidates = rng.sample(candidates, 2000)
        largest[z] = max(len(render_tile(tile_query("sites", *t, EMPTY))) for t in candidates)

    # ---- GeoJSON pages of 1,000 sites at 40 keyset positions
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM cities_site WHERE city_id = %s", [city.pk])
        low, high = cursor.fetchone()
    starts = sorted(rng.randrange(low, high) for _ in range(40))
    page_sql = _SITE_PAGE_SQL.format(filters="AND s.city_id = %(city_id)s")
    page_raw, page_view = [], []
    for after in starts:  # warm
        with connection.cursor() as cursor:
            cursor.execute(page_sql, {"after": after, "limit": 1000, "city_id": city.pk})
    for after in starts:
        params = {"after": after, "limit": 1000, "city_id": city.pk}

        def run_raw(params=params):
            with connection.cursor() as cursor:
                cursor.execute(page_sql, params)
                return cursor.fetchone()

        ms_raw, _ = timed(run_raw)
        url = f"/api/v1/sites/?city={city.slug}&limit=1000&after={after}"
        ms_view, response = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        page_raw.append(ms_raw)
        page_view.append(ms_view)

    p50 = statistics.median
    tile_ratio = p50(endpoint) / p50(raw)
    page_ratio = p50(page_view) / p50(page_raw)
    worst = max(largest.values())
    lines = [
        f"Machine: {machine()}.",
        f"Data: {total:,} sites in {city.slug}; {len(tiles)} tiles at z10-16; run "
        f"{time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| measure | p50 (ms) | p90 (ms) | target | result |",
        "|---|---|---|---|---|",
        f"| tile, raw ST_AsMVT SQL | {p50(raw):.2f} | {pct(raw, 90):.2f} | | |",
        f"| tile, endpoint, uncached | {p50(endpoint):.2f} | {pct(endpoint, 90):.2f} "
        f"| <= 1.5x raw | {tile_ratio:.2f}x {'ok' if tile_ratio <= 1.5 else 'MISSED'} |",
        f"| tile, endpoint, cached | {p50(cached):.2f} | {pct(cached, 90):.2f} | <= 5 ms "
        f"| {'ok' if p50(cached) <= 5 else 'MISSED'} |",
        f"| 1,000-site GeoJSON page, raw SQL | {p50(page_raw):.2f} | {pct(page_raw, 90):.2f} | | |",
        f"| 1,000-site GeoJSON page, endpoint | {p50(page_view):.2f} | {pct(page_view, 90):.2f} "
        f"| <= 2x raw | {page_ratio:.2f}x {'ok' if page_ratio <= 2 else 'MISSED'} |",
        f"| largest tile, any zoom 0-16 | {worst / 1024:.0f} KB | | <= 500 KB "
        f"| {'ok' if worst <= 500 * 1024 else 'MISSED'} |",
        "",
        "Largest tile by zoom (KB): "
        + ", ".join(f"z{z} {size / 1024:.0f}" for z, size in largest.items()),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
