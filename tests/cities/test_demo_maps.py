"""The demo data behind the city maps: land, sites, statistics, flows, stations."""

import pytest
from django.db import connection

from cities.demo.land import LOSS_TARGET
from cities.models import City, ContextFeature, Indicator, LandZone, MaterialFlow, Site

pytestmark = pytest.mark.usefixtures("demo")


def _scalar(sql: str, params) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("slug", sorted(LOSS_TARGET))
def test_industrial_land_shrinks_between_2009_and_2019_as_in_the_citys_trend(slug):
    city = City.objects.get(slug=slug)
    area = {
        year: _scalar(
            "SELECT sum(ST_Area(geom::geography)) FROM cities_landzone"
            " WHERE city_id = %s AND reference_year = %s",
            [city.pk, year],
        )
        for year in (2009, 2019)
    }
    loss = 1 - area[2019] / area[2009]
    assert LOSS_TARGET[slug] <= loss < LOSS_TARGET[slug] + 0.08
    assert LandZone.objects.filter(city=city, reference_year=2009).count() >= 20


@pytest.mark.parametrize("slug", sorted(LOSS_TARGET))
def test_each_city_has_5000_sites_over_the_manufacturing_divisions_mostly_on_industrial_land(slug):
    city = City.objects.get(slug=slug)
    sites = Site.objects.filter(city=city, dataset__slug="demo-sites")
    assert sites.count() == 5000
    assert sites.values("sector").distinct().count() >= 20
    on_land = _scalar(
        "SELECT count(*) FROM cities_site s WHERE s.city_id = %s AND EXISTS ("
        " SELECT 1 FROM cities_landzone z WHERE z.city_id = s.city_id"
        " AND z.reference_year = 2009 AND ST_Intersects(z.geom, s.geom))",
        [city.pk],
    )
    assert on_land / 5000 > 0.5
    # Metalwork and repair are common, tobacco is nearly absent.
    assert sites.filter(sector=25).count() > 10 * sites.filter(sector=12).count()


def test_statistics_cover_every_district_sector_and_year_and_add_up():
    city = City.objects.get(slug="brussels")
    jobs = Indicator.objects.filter(city=city, key="manufacturing_jobs")
    assert sorted(set(jobs.values_list("year", flat=True))) == list(range(2010, 2021))
    assert jobs.filter(district__isnull=False, sector__isnull=True, year=2015).count() == 19
    total = jobs.get(district__isnull=True, sector__isnull=True, year=2015).value
    by_district = sum(
        jobs.filter(district__isnull=False, sector__isnull=True, year=2015).values_list(
            "value", flat=True
        )
    )
    assert by_district == pytest.approx(total)
    first, last = (
        jobs.get(district__isnull=True, sector__isnull=True, year=y).value for y in (2010, 2020)
    )
    assert last < first  # manufacturing jobs fell, as they did


def test_material_flows_cover_at_least_eight_materials_from_import_to_treatment():
    for city in City.objects.all():
        flows = MaterialFlow.objects.filter(city=city)
        assert flows.values("material").distinct().count() >= 8
        assert flows.filter(origin_activity="import").exists()
        assert flows.filter(destination_activity="waste_treatment").exists()
        assert flows.filter(origin_district__isnull=False).exists()


def test_each_city_has_a_layer_of_stations():
    for city in City.objects.all():
        assert ContextFeature.objects.filter(layer__city=city, layer__slug="stations").count() >= 5
