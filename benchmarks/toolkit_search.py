"""Toolkit search with 10,000 tools: p50 of the search endpoint, against its raw SQL.

    DJANGO_DEBUG=1 LOG_LEVEL=WARNING .venv/bin/python benchmarks/toolkit_search.py

Needs the demo data. Adds 10,000 generated tools (variations of the demo
tools with extra words) inside a transaction that is rolled back at the end,
so the database is left as it was. Measures `GET /api/v1/tools/?q=...` (the
search, the facet-free list the toolkit page also runs) and the page
`/toolkit/?q=...` (search plus facet counts), each against the SQL of its
search query, over 40 queries of one or two words.
"""

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

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from toolkit.models import Tool  # noqa: E402
from toolkit.selectors import ToolQuery, tool_search  # noqa: E402

WORDS = [
    "land", "workspace", "makers", "zoning", "logistics", "circular", "repair", "skills",
    "finance", "heat", "materials", "procurement", "network", "census", "rents", "canal",
    "port", "district", "workshop", "machines", "timber", "metal", "food", "textile",
]  # fmt: skip

GENERATE_SQL = """
INSERT INTO toolkit_tool (slug, title, title_en, title_fr, title_nl, summary, summary_en,
    summary_fr, summary_nl, dimension, audiences, methods, context, problem, forces, solution,
    steps, resources, effort_level, effort_time, effort_cost, effort_skills, effort_data,
    status, published_at, created_at, updated_at)
SELECT t.slug || '-g' || n,
       t.title_en || ' ' || w1 || ' ' || n, t.title_en || ' ' || w1 || ' ' || n,
       t.title_fr, t.title_nl,
       t.summary_en || ' ' || w2, t.summary_en || ' ' || w2, t.summary_fr, t.summary_nl,
       t.dimension, t.audiences, t.methods, t.context, t.problem, t.forces, t.solution,
       t.steps, t.resources, t.effort_level, t.effort_time, t.effort_cost, t.effort_skills,
       t.effort_data, 'published', now() - n * interval '1 hour', now(), now()
FROM toolkit_tool t
CROSS JOIN generate_series(1, %(per_tool)s) AS n
CROSS JOIN LATERAL (SELECT (%(words)s::text[])[1 + (n * 7 + length(t.slug)) %% %(nwords)s] AS w1,
                           (%(words)s::text[])[1 + (n * 13) %% %(nwords)s] AS w2) AS w
WHERE t.status = 'published' AND t.slug NOT LIKE '%%-g%%'
"""


def timed(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    rng = random.Random(7)
    client = Client(HTTP_HOST="localhost")
    with transaction.atomic():
        base = Tool.objects.filter(status="published").count()
        per_tool = -(-10_000 // base)
        with connection.cursor() as cursor:
            cursor.execute(
                GENERATE_SQL, {"per_tool": per_tool, "words": WORDS, "nwords": len(WORDS)}
            )
            cursor.execute("ANALYZE toolkit_tool")
        total = Tool.objects.count()
        queries = [" ".join(rng.sample(WORDS, rng.choice((1, 2)))) for _ in range(40)]
        for q in queries:  # warm up
            client.get("/api/v1/tools/", {"q": q})
        api, raw, page = [], [], []
        for q in queries:
            sql, params = tool_search(
                query=ToolQuery.from_query(QueryDict(f"q={q}")), language="en"
            )[:50].query.sql_with_params()

            def run_raw(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    cursor.fetchall()

            raw.append(timed(run_raw))
            api.append(timed(lambda q=q: client.get("/api/v1/tools/", {"q": q})))
            page.append(timed(lambda q=q: client.get("/toolkit/", {"q": q})))
        transaction.set_rollback(True)

    p50 = statistics.median
    print(f"Data: {total:,} tools ({base} demo tools and their variations); 40 queries.")
    print()
    print("| measure | p50 (ms) | max (ms) | target | result |")
    print("|---|---|---|---|---|")
    print(f"| search SQL, first page of 50 | {p50(raw):.1f} | {max(raw):.1f} | | |")
    print(
        f"| `GET /api/v1/tools/?q=` | {p50(api):.1f} | {max(api):.1f} | <= 30 ms "
        f"| {'ok' if p50(api) <= 30 else 'MISSED'} |"
    )
    print(f"| `GET /toolkit/?q=` (with facet counts) | {p50(page):.1f} | {max(page):.1f} | | |")


if __name__ == "__main__":
    main()
