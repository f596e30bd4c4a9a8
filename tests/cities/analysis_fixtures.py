"""A small made-up city for the analyses, drawn in metres (EPSG:3035) so every area is known.

Testville (tests/personas.py) gets two districts side by side, each 1 km square:
West [0, 1000] by [0, 1000] and East [1000, 2000] by [0, 1000], in metres from
an origin near (10.05° E, 45.05° N). Land zones are 100 m squares (1 ha each):

    2009: A (West, I1), B (East, I1), E (East, I1), F (I1, astride the border)
    2019: A (West, I1: kept), C (West, I1: new), E's footprint as MX (rezoned)

So from 2009 to 2019, with land compared category by category: lost 3 ha (B and
F, which left industrial zoning, and E as I1, which became MX), gained 2 ha (C,
and E as MX), kept 1 ha (A).
"""

import json
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from cities.analyses.base import get_kind
from cities.analyses.results import geojson_chunks
from cities.analyses.services import analysis_request
from cities.jobs import job_execute
from cities.models import (
    Analysis,
    ContextFeature,
    ContextLayer,
    Job,
    LandZone,
    Site,
    ZoningCategory,
)
from tests.factories import DistrictFactory


def run(user, city, kind: str, **data) -> Analysis:
    """Fill in the kind's form as a person would, ask for the run, and run it here."""
    form = get_kind(kind).form(data=data, city=city)
    assert form.is_valid(), form.errors
    requested = analysis_request(user=user, city=city, kind=get_kind(kind), params=form.params())
    job_execute(job_id=requested.analysis.job_id)
    result = Analysis.objects.select_related("job", "city").get(pk=requested.analysis.pk)
    assert result.job.status == Job.Status.SUCCEEDED, result.job.message
    return result


def layer(analysis: Analysis, name: str) -> list[dict]:
    """The layer's features' properties as its GeoJSON gives them, whichever table holds them."""
    chunks = geojson_chunks(analysis, get_kind(analysis.kind), name)
    return [f["properties"] for f in json.loads(b"".join(chunks))["features"]]


def _origin() -> tuple[float, float]:
    point = Point(10.05, 45.05, srid=4326)
    point.transform(3035)
    return round(point.x, -2), round(point.y, -2)


X0, Y0 = _origin()


def metric_box(x: float, y: float, width: float, height: float | None = None) -> MultiPolygon:
    """A rectangle given in metres from the origin, as WGS84."""
    height = width if height is None else height
    x, y = X0 + x, Y0 + y
    box = Polygon.from_bbox((x, y, x + width, y + height))
    box.srid = 3035
    box.transform(4326)
    return MultiPolygon(box, srid=4326)


def metric_point(x: float, y: float) -> Point:
    point = Point(X0 + x, Y0 + y, srid=3035)
    point.transform(4326)
    return point


@dataclass
class Land:
    city: object
    west: object
    east: object
    industry: ZoningCategory
    mixed: ZoningCategory


def build_districts(city):
    west = DistrictFactory(city=city, slug="west", name="West", geom=metric_box(0, 0, 1000))
    east = DistrictFactory(city=city, slug="east", name="East", geom=metric_box(1000, 0, 1000))
    return west, east


def build_land(city) -> Land:
    west, east = build_districts(city)
    industry = ZoningCategory.objects.create(city=city, code="I1", name="Industry", meaning="")
    mixed = ZoningCategory.objects.create(city=city, code="MX", name="Mixed use", meaning="")

    def zone(name, year, category, geom):
        LandZone.objects.create(
            city=city, dataset=city.dataset, category=category, name=name,
            protection="protected", reference_year=year, geom=geom,
        )  # fmt: skip

    zone("A", 2009, industry, metric_box(100, 100, 100))
    zone("B", 2009, industry, metric_box(1100, 100, 100))
    zone("E", 2009, industry, metric_box(1500, 500, 100))
    zone("F", 2009, industry, metric_box(950, 600, 100))
    zone("A", 2019, industry, metric_box(100, 100, 100))
    zone("C", 2019, industry, metric_box(300, 300, 100))
    zone("E", 2019, mixed, metric_box(1500, 500, 100))
    return Land(city, west, east, industry, mixed)


def site(city, name: str, x: float, y: float, *, sector: int = 25, employees=None, **extra):
    return Site.objects.create(
        city=city, dataset=city.dataset, external_id=name, name=name, sector_id=sector,
        employees=employees, geom=metric_point(x, y), **extra,
    )  # fmt: skip


def build_stations(city, *points: tuple[float, float]) -> ContextLayer:
    layer = ContextLayer.objects.create(
        city=city, slug="rail-stations", name="Rail stations", dataset=city.dataset
    )
    for number, (x, y) in enumerate(points, start=1):
        ContextFeature.objects.create(
            layer=layer, name=f"Station {number}", geom=metric_point(x, y)
        )
    return layer
