"""Synthetic industrial land in 2009 and 2019, with a net loss in line with published trends.

Zones are rectangles of plausible size, rotated and clipped to the districts
where each city's industry sits (the canal in Brussels, Park Royal, the Lee
Valley and the Thames Gateway in London, the port in Rotterdam). Between 2009
and 2019 some zones are lost whole and some in part, until the city's loss
reaches its target below. Generated from a fixed seed: loading again changes
nothing.
"""

import random
from datetime import UTC, datetime
from functools import cache

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction

from cities.demo.sync import LoadReport, read_csv, sync
from cities.models import City, Dataset, District, LandZone, ZoningCategory
from cities.tile_versions import bump_layer_version

YEARS = (2009, 2019)

LAND_DATASET = {
    "slug": "demo-industrial-land",
    "name_en": "Industrial land 2009 and 2019 (synthetic)",
    "name_fr": "Terrains industriels 2009 et 2019 (synthétique)",
    "name_nl": "Bedrijventerreinen 2009 en 2019 (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Generated; zoning categories from the cities' planning systems.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}

# Share of 2009 industrial land gone by 2019 (illustrative, after the trends
# in cities/data/city_facts.md: Brussels lost about a quarter of its productive
# floor space 1997-2021, London's industrial land shrank fastest).
LOSS_TARGET = {"brussels": 0.14, "london": 0.17, "rotterdam-the-hague": 0.08}

# (district, zoning category code, number of zones, size range in metres)
HUBS: dict[str, list[tuple[str, str, int, tuple[int, int]]]] = {
    "brussels": [
        ("Anderlecht", "ZIU", 6, (320, 1040)),
        ("Anderlecht", "ZAPT", 2, (400, 1120)),
        ("City of Brussels", "ZAPT", 4, (400, 1120)),
        ("Molenbeek-Saint-Jean", "ZEMU", 4, (240, 640)),
        ("Forest", "ZIU", 4, (320, 880)),
        ("Evere", "ZIU", 3, (320, 800)),
        ("Schaerbeek", "ZEMU", 3, (240, 560)),
        ("Saint-Gilles", "ZEMU", 2, (192, 480)),
        ("Auderghem", "ZIU", 2, (240, 640)),
    ],
    "london": [
        ("Brent", "SIL", 5, (400, 1200)),
        ("Ealing", "SIL", 4, (400, 1100)),
        ("Hillingdon", "SIL", 4, (400, 1200)),
        ("Enfield", "SIL", 5, (400, 1100)),
        ("Waltham Forest", "LSIS", 3, (250, 700)),
        ("Haringey", "LSIS", 3, (250, 700)),
        ("Barking and Dagenham", "SIL", 5, (500, 1400)),
        ("Newham", "SIL", 4, (400, 1200)),
        ("Havering", "SIL", 3, (400, 1100)),
        ("Bexley", "SIL", 3, (400, 1100)),
        ("Greenwich", "LSIS", 3, (300, 800)),
        ("Southwark", "NDIL", 3, (150, 450)),
        ("Tower Hamlets", "NDIL", 3, (150, 450)),
        ("Hackney", "NDIL", 3, (150, 400)),
        ("Croydon", "LSIS", 3, (300, 800)),
        ("Wandsworth", "LSIS", 2, (250, 600)),
    ],
    "rotterdam-the-hague": [
        ("Waalhaven-Eemhaven", "HT", 5, (500, 1500)),
        ("Pernis", "HT", 4, (500, 1400)),
        ("Hoogvliet", "HT", 3, (400, 1200)),
        ("Merwe-Vierhavens (M4H)", "GM", 4, (250, 700)),
        ("Charlois", "GM", 3, (250, 650)),
        ("Feijenoord", "BT", 3, (250, 700)),
        ("IJsselmonde", "BT", 3, (300, 800)),
        ("Prins Alexander", "BT", 2, (300, 800)),
        ("Laak", "BT", 3, (250, 650)),
        ("Escamp", "BT", 3, (250, 700)),
        ("Leidschenveen-Ypenburg", "BT", 3, (300, 800)),
    ],
}

PROTECTION = {
    "ZIU": "protected", "ZAPT": "protected", "ZEMU": "partial",
    "SIL": "protected", "LSIS": "partial", "NDIL": "unprotected",
    "HT": "protected", "BT": "protected", "GM": "partial",
}  # fmt: skip

# A rotated rectangle around a random point of the district, clipped to it,
# in EPSG:3035 (metres) and stored in EPSG:4326 rounded to 1e-6 degrees.
_ZONE_SQL = """
WITH centre AS (
  SELECT ST_Transform((ST_Dump(ST_GeneratePoints(geom, 1, %(seed)s))).geom, 3035) AS p,
         ST_Transform(geom, 3035) AS district
  FROM cities_district WHERE id = %(district)s
), block AS (
  SELECT ST_Rotate(
           ST_MakeEnvelope(ST_X(p) - %(w)s / 2, ST_Y(p) - %(h)s / 2,
                           ST_X(p) + %(w)s / 2, ST_Y(p) + %(h)s / 2, 3035),
           %(angle)s, p) AS g, district
  FROM centre
)
SELECT ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_ReducePrecision(
         ST_Transform(ST_Intersection(g, district), 4326), 0.000001)), 3)))
FROM block
"""


@cache
def _to_metric() -> CoordTransform:
    """One transformation for every measure: building one costs PROJ 15 ms, each time."""
    return CoordTransform(SpatialReference(4326), SpatialReference(3035))


def _metric_area(geom: GEOSGeometry) -> float:
    return geom.transform(_to_metric(), clone=True).area


def _as_multi(geom: GEOSGeometry) -> MultiPolygon | None:
    if geom.empty:
        return None
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=4326)
    if geom.geom_type == "MultiPolygon":
        return geom
    polygons = [g for g in geom if g.geom_type == "Polygon"]
    return MultiPolygon(*polygons, srid=4326) if polygons else None


def _zones_2009(city: City, rng: random.Random) -> list[tuple[str, str, MultiPolygon]]:
    districts = {d.name: d for d in District.objects.filter(city=city)}
    zones, taken = [], None
    with connection.cursor() as cursor:
        for district_name, code, count, (low, high) in HUBS[city.slug]:
            for i in range(1, count + 1):
                width, height = rng.uniform(low, high), rng.uniform(low * 0.6, high * 0.7)
                cursor.execute(
                    _ZONE_SQL,
                    {
                        "district": districts[district_name].pk,
                        "seed": rng.randrange(1, 1_000_000),
                        "w": width,
                        "h": height,
                        "angle": rng.uniform(0, 3.14159),
                    },
                )
                shape = GEOSGeometry(memoryview(cursor.fetchone()[0]), srid=4326)
                if taken is not None:
                    shape = shape.difference(taken)
                shape = _as_multi(shape.buffer(0)) if not shape.empty else None
                if shape is None or _metric_area(shape) < 2_000:
                    continue
                taken = shape if taken is None else taken.union(shape)
                zones.append((f"{district_name} {code} {i}", code, shape))
    return zones


def _zones_2019(
    zones: list[tuple[str, str, MultiPolygon]], target: float, rng: random.Random
) -> list[tuple[str, str, MultiPolygon]]:
    """Lose whole zones or parts of them, in a seeded order, until the target share is gone."""
    total = sum(_metric_area(shape) for _, _, shape in zones)
    lost = 0.0
    kept = {name: shape for name, _, shape in zones}
    order = list(kept)
    rng.shuffle(order)
    for name in order:
        if lost >= target * total:
            break
        shape = kept[name]
        if rng.random() < 0.45:
            lost += _metric_area(shape)
            del kept[name]
            continue
        # Part of the zone turned to housing: a disc cut out around one corner.
        corner = shape.envelope.coords[0][rng.randrange(4)]
        extent = shape.transform(_to_metric(), clone=True).extent
        radius = 0.7 * max(extent[2] - extent[0], extent[3] - extent[1])
        cut = GEOSGeometry(f"SRID=4326;POINT({corner[0]} {corner[1]})").transform(3035, clone=True)
        cut = cut.buffer(radius, 16)
        cut.transform(4326)
        rest = _as_multi(shape.difference(cut).buffer(0))
        before = _metric_area(shape)
        if rest is None or _metric_area(rest) < 2_000:
            lost += before
            del kept[name]
        else:
            lost += before - _metric_area(rest)
            kept[name] = rest
    return [(name, code, kept[name]) for name, code, _ in zones if name in kept]


@transaction.atomic
def load_land(report: LoadReport) -> None:
    values = {k: v for k, v in LAND_DATASET.items() if k != "slug"}
    dataset = sync(Dataset, {"slug": LAND_DATASET["slug"]}, values, report)
    categories_by_city: dict[str, dict[str, ZoningCategory]] = {}
    for row in read_csv("zoning_categories.csv"):
        city = City.objects.filter(slug=row["city"]).first()
        if city is None:
            continue
        category = sync(
            ZoningCategory,
            {"city": city, "code": row["code"]},
            {"name": row["name"], "meaning": row["meaning"]},
            report,
        )
        categories_by_city.setdefault(city.slug, {})[row["code"]] = category

    changed = False
    for city in City.objects.filter(slug__in=HUBS, dataset__slug="demo-geography"):
        rng = random.Random(f"land-{city.slug}")
        zones_2009 = _zones_2009(city, rng)
        by_year = {2009: zones_2009, 2019: _zones_2019(zones_2009, LOSS_TARGET[city.slug], rng)}
        for year, zones in by_year.items():
            wanted = set()
            for name, code, shape in zones:
                before = (report.created, report.updated)
                sync(
                    LandZone,
                    {"city": city, "name": name, "reference_year": year},
                    {
                        "category": categories_by_city[city.slug][code],
                        "protection": PROTECTION[code],
                        "geom": shape,
                        "dataset": dataset,
                    },
                    report,
                )
                changed |= before != (report.created, report.updated)
                wanted.add(name)
            stale = LandZone.objects.filter(city=city, reference_year=year, dataset=dataset)
            deleted, _ = stale.exclude(name__in=wanted).delete()
            changed |= deleted > 0
    if changed:
        bump_layer_version("zones")
