"""Synthetic demo geography for the three partner cities.

District names and approximate centres are real (cities/data/districts.csv);
the boundaries are not available offline, so they are generated: Voronoi cells
around the centres, clipped to an outline grown from the centres. Everything is
filed under one dataset labelled synthetic, and loading twice changes nothing.
"""

from datetime import UTC, datetime

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction
from django.utils.text import slugify

from cities.demo.sync import LoadReport, read_csv, sync
from cities.models import City, Dataset, District, Sector
from cities.services import city_refresh_areas
from cities.tile_versions import bump_layer_version

DEMO_DATASET = {
    "slug": "demo-geography",
    "name_en": "Demo geography of the partner cities (synthetic)",
    "name_fr": "Géographie de démonstration des villes partenaires (synthétique)",
    "name_nl": "Demogeografie van de partnersteden (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "District names and approximate centres from public gazetteers; "
    "boundaries generated as Voronoi cells.",
    "description_en": "Generated for demonstration. District boundaries are not the "
    "official ones and must not be used for analysis.",
    "description_fr": "Généré pour la démonstration. Les limites des quartiers ne sont "
    "pas les limites officielles et ne doivent pas servir à des analyses.",
    "description_nl": "Gegenereerd ter demonstratie. De districtsgrenzen zijn niet de "
    "officiële en mogen niet voor analyses worden gebruikt.",
    "quality": Dataset.Quality.SYNTHETIC,
    # Fixed, so that loading again leaves the row untouched.
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}

CITIES = {
    "brussels": {
        "country": "BE",
        "name_en": "Brussels-Capital Region",
        "name_fr": "Région de Bruxelles-Capitale",
        "name_nl": "Brussels Hoofdstedelijk Gewest",
        "short_name_en": "Brussels",
        "short_name_fr": "Bruxelles",
        "short_name_nl": "Brussel",
        "summary_en": "19 municipalities and about 1.2 million residents. Productive "
        "floor space is under pressure from housing; the programme studied the "
        "canal zone around Buda, Cureghem and Drogenbos.",
        "summary_fr": "19 communes et environ 1,2 million d'habitants. Les espaces "
        "productifs sont sous la pression du logement ; le programme a étudié la "
        "zone du canal autour de Buda, Cureghem et Drogenbos.",
        "summary_nl": "19 gemeenten en ongeveer 1,2 miljoen inwoners. Productieruimte "
        "staat onder druk van woningbouw; het programma bestudeerde de kanaalzone "
        "rond Buda, Kuregem en Drogenbos.",
    },
    "london": {
        "country": "GB",
        "name_en": "Greater London",
        "name_fr": "Grand Londres",
        "name_nl": "Groot-Londen",
        "short_name_en": "London",
        "short_name_fr": "Londres",
        "short_name_nl": "Londen",
        "summary_en": "33 local authorities over about 1,579 km². Manufacturing jobs "
        "fell from 1.5 million in 1960 to about 130,000; most firms are micro-businesses "
        "clustered on Strategic Industrial Locations.",
        "summary_fr": "33 autorités locales sur environ 1 579 km². L'emploi industriel "
        "est passé de 1,5 million en 1960 à environ 130 000 ; la plupart des "
        "entreprises sont des micro-entreprises regroupées sur les zones industrielles "
        "stratégiques.",
        "summary_nl": "33 lokale besturen op ongeveer 1.579 km². Het aantal banen in de "
        "industrie daalde van 1,5 miljoen in 1960 tot ongeveer 130.000; de meeste "
        "bedrijven zijn microbedrijven op strategische industrieterreinen.",
    },
    "rotterdam-the-hague": {
        "country": "NL",
        "name_en": "Rotterdam – The Hague",
        "name_fr": "Rotterdam – La Haye",
        "name_nl": "Rotterdam – Den Haag",
        "short_name_en": "Rotterdam – The Hague",
        "short_name_fr": "Rotterdam – La Haye",
        "short_name_nl": "Rotterdam – Den Haag",
        "summary_en": "Two cities of the Dutch delta around a port that employs on the "
        "order of 90,000 people. The Makers District joins Merwe-Vierhavens (M4H) and "
        "RDM in Heijplaat.",
        "summary_fr": "Deux villes du delta néerlandais autour d'un port qui emploie de "
        "l'ordre de 90 000 personnes. Le Makers District réunit Merwe-Vierhavens (M4H) "
        "et RDM à Heijplaat.",
        "summary_nl": "Twee steden in de Nederlandse delta rond een haven met zo'n "
        "90.000 banen. Het Makers District verbindt Merwe-Vierhavens (M4H) en RDM in "
        "Heijplaat.",
    },
}

# Outline: a disc around each centre sized by its nearest neighbour, merged and
# closed (grown, then shrunk) so neighbouring discs fuse into one shape, holes filled.
# Districts: the Voronoi cell of each centre, clipped to that outline.
# All in EPSG:3035 (metres), rounded to 1e-6 degrees so the output is stable.
GEOGRAPHY_SQL = """
WITH pts AS (
  SELECT name, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3035) AS p
  FROM unnest(%(names)s::text[], %(lons)s::float8[], %(lats)s::float8[]) AS t(name, lon, lat)
), radii AS (
  SELECT a.name, a.p,
         LEAST(GREATEST(0.9 * MIN(ST_Distance(a.p, b.p)), 1500), 6000) AS r
  FROM pts a JOIN pts b ON a.name <> b.name
  GROUP BY a.name, a.p
), grown AS (
  SELECT ST_Buffer(ST_Buffer(ST_Union(ST_Buffer(p, r, 16)), 2000, 16), -2000, 16) AS g
  FROM radii
), outline AS (
  -- Keep each part's outer ring only: a city has no holes where discs left a gap.
  SELECT ST_Union(ST_MakePolygon(ST_ExteriorRing(part.geom))) AS g
  FROM grown, ST_Dump(grown.g) AS part
), cells AS (
  SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(p), 0,
                                     ST_Expand((SELECT g FROM outline), 10000)))).geom AS cell
  FROM pts
)
SELECT pts.name,
       ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_ReducePrecision(
           ST_Transform(ST_Intersection(cells.cell, outline.g), 4326), 0.000001)), 3))),
       ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_ReducePrecision(
           ST_Transform(outline.g, 4326), 0.000001)), 3)))
FROM pts
JOIN cells ON ST_Intersects(cells.cell, pts.p)
CROSS JOIN outline
ORDER BY pts.name
"""


def _generate_geography(rows: list[dict[str, str]]) -> tuple[MultiPolygon, dict[str, MultiPolygon]]:
    params = {
        "names": [r["district"] for r in rows],
        "lons": [float(r["lon"]) for r in rows],
        "lats": [float(r["lat"]) for r in rows],
    }
    with connection.cursor() as cursor:
        cursor.execute(GEOGRAPHY_SQL, params)
        result = cursor.fetchall()
    districts = {name: GEOSGeometry(memoryview(geom), srid=4326) for name, geom, _ in result}
    outline = GEOSGeometry(memoryview(result[0][2]), srid=4326)
    return outline, districts


@transaction.atomic
def load_sectors(report: LoadReport) -> None:
    for row in read_csv("nace_manufacturing.csv"):
        sync(
            Sector,
            {"code": int(row["code"])},
            {"name_en": row["name_en"], "name_fr": row["name_fr"], "name_nl": row["name_nl"]},
            report,
        )


@transaction.atomic
def load_geography(report: LoadReport) -> None:
    values = {k: v for k, v in DEMO_DATASET.items() if k != "slug"}
    dataset = sync(Dataset, {"slug": DEMO_DATASET["slug"]}, values, report)
    rows_by_city: dict[str, list[dict[str, str]]] = {}
    for row in read_csv("districts.csv"):
        rows_by_city.setdefault(row["city"], []).append(row)

    before = (report.created, report.updated)
    for slug, facts in CITIES.items():
        rows = rows_by_city[slug]
        outline, shapes = _generate_geography(rows)
        city = sync(City, {"slug": slug}, {**facts, "outline": outline, "dataset": dataset}, report)
        if city is None:
            continue
        for row in rows:
            sync(
                District,
                {"city": city, "slug": slugify(row["district"])},
                {
                    "name": row["district"],
                    "local_names": row["local_names"].split("|"),
                    "geom": shapes[row["district"]],
                    "dataset": dataset,
                },
                report,
            )
        city_refresh_areas(city=city)
    if (report.created, report.updated) != before:
        bump_layer_version("districts")
