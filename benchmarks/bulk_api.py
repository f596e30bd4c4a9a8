"""A bulk upsert of 10,000 sites through the partner API against COPY into the same table.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bulk_api.py [--city brussels] [--rows 10000]
        [--repeat 3]

Needs the demo data; run it on the city topped up to 1,000,000 sites (`generate_sites`) for
the issue's figure. Both sides write the same rows into `cities_site`, with its indexes
and triggers, in one committed transaction each:

- COPY: the rows as text, `COPY cities_site (...) FROM STDIN`, in a dataset of its own;
- bulk API: `POST /api/v1/datasets/<slug>/sites/bulk` with a partner token, through Django's
  test client in this process (no network): JSON parsing, the GDAL reader, staging,
  validation, the upsert and its thinning, the audit row and the answer.

Each repetition writes new identifiers (an insert, as a first load is) and deletes its rows
afterwards. Target: the API within 3 x COPY. Machines here are noisy: only the ratio of one
run means anything.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CACHE_KEY_PREFIX", "portal-benchmark")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.common import machine  # noqa: E402
from cities.gis_io.commit import dataset_create  # noqa: E402
from cities.models import City, Dataset, Import, Site  # noqa: E402
from stakeholders.models import ApiWrite, Membership, Organisation, PartnerDataset  # noqa: E402
from stakeholders.partner_data import partner_dataset_create  # noqa: E402
from stakeholders.tokens import token_create  # noqa: E402


def features(city: City, n: int, run: int) -> list[dict]:
    """Points inside the city's outline (sampled by PostGIS), with the fields a partner sends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM (SELECT (ST_Dump(ST_GeneratePoints("
            " ST_Buffer(outline::geography, -200)::geometry, %s, 7))).geom"
            " FROM cities_city WHERE id = %s) AS points",
            [n, city.pk],
        )
        points = cursor.fetchall()
    rng = random.Random(run)
    return [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 6),
                                                                           round(y, 6)]},
         "properties": {"external_id": f"bench-{run}-{i}", "name": f"Workshop {i}",
                        "sector": rng.randint(10, 33), "employees": rng.randint(1, 200),
                        "year_opened": rng.randint(1950, 2024), "address": f"Rue {i}"}}
        for i, (x, y) in enumerate(points)
    ]  # fmt: skip


def copy_ms(city: City, dataset: Dataset, rows: list[dict]) -> float:
    columns = (
        "city_id, dataset_id, external_id, name, sector_id, employees, year_opened, address,"
        " geom, min_zoom"
    )
    buffer = io.StringIO()
    for f in rows:
        p, (x, y) = f["properties"], f["geometry"]["coordinates"]
        buffer.write(
            f"{city.pk}\t{dataset.pk}\tcopy-{p['external_id']}\t{p['name']}\t{p['sector']}\t"
            f"{p['employees']}\t{p['year_opened']}\t{p['address']}\tSRID=4326;POINT({x} {y})\t16\n"
        )
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY cities_site ({columns}) FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())
    elapsed = (time.perf_counter() - start) * 1000
    Site.objects.filter(dataset=dataset).delete()
    return elapsed


def api_ms(client: Client, secret: str, slug: str, rows: list[dict]) -> tuple[float, dict]:
    body = json.dumps({"type": "FeatureCollection", "features": rows})
    start = time.perf_counter()
    response = client.post(
        f"/api/v1/datasets/{slug}/sites/bulk", body, content_type="application/geo+json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )  # fmt: skip
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"bulk write refused: {response.status_code} {response.content[:500]!r}")
    return elapsed, response.json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--city", default="brussels")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    city = City.objects.get(slug=args.city)
    person, _ = get_user_model().objects.get_or_create(
        username="benchmark-partner", defaults={"email": "partner@example.org"}
    )
    org, _ = Organisation.objects.get_or_create(
        slug="benchmark-partner",
        defaults={
            "name": "Benchmark partner",
            "kind": "partner",
            "api_requests_per_minute": 10_000,
        },
    )
    Membership.objects.get_or_create(organisation=org, user=person, defaults={"role": "admin"})
    partner = PartnerDataset.objects.filter(organisation=org, city=city).first()
    if partner is None:
        partner = partner_dataset_create(
            organisation=org, by=person, name=f"Bulk benchmark {city.slug}", city=city,
            licence="CC0-1.0", quality="partial",
        )  # fmt: skip
    copied = dataset_create(
        values={"name": "COPY benchmark", "publisher": "benchmark", "licence": "CC0-1.0",
                "quality": "synthetic"}, user=None,
    )  # fmt: skip
    _token, secret = token_create(
        organisation=org, by=person, name="benchmark", scopes=["read", "write:sites"],
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    total = Site.objects.filter(city=city).count()
    print(f"machine: {machine()}")
    print(f"{city.slug}: {total:,} sites; {args.rows:,} rows a request\n")

    copies, calls = [], []
    client = Client(HTTP_HOST="localhost")
    with override_settings(ALLOWED_HOSTS=["*"]):
        for run in range(args.repeat):
            rows = features(city, args.rows, run)
            copies.append(copy_ms(city, copied, rows))
            elapsed, answer = api_ms(client, secret, partner.dataset.slug, rows)
            assert answer["created"] == args.rows, answer
            calls.append(elapsed)
            print(f"run {run + 1}: COPY {copies[-1]:,.0f} ms, bulk API {calls[-1]:,.0f} ms")
            Import.objects.filter(dataset=partner.dataset).delete()
            Site.objects.filter(dataset=partner.dataset).delete()
            ApiWrite.objects.filter(organisation=org).delete()
    copied.delete()

    raw, api = statistics.median(copies), statistics.median(calls)
    verdict = "ok" if api <= 3 * raw else "MISSED"
    print("\n| rows | COPY p50 (ms) | bulk API p50 (ms) | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.rows:,} | {raw:,.0f} | {api:,.0f} | {api / raw:.2f} | 3.00 | {verdict} |")


if __name__ == "__main__":
    main()
