import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import IntegrityError, transaction

from cities.models import METRIC_SRID, Sector
from cities.services import city_refresh_areas
from tests.factories import CityFactory, DistrictFactory


def _bowtie() -> MultiPolygon:
    """A self-intersecting ring: not a valid polygon."""
    return MultiPolygon(
        Polygon(((4.30, 50.80), (4.32, 50.82), (4.32, 50.80), (4.30, 50.82), (4.30, 50.80))),
        srid=4326,
    )


@pytest.mark.django_db
def test_the_database_refuses_an_invalid_district_boundary():
    city = CityFactory()
    with pytest.raises(IntegrityError, match="district_geom_valid"), transaction.atomic():
        DistrictFactory(city=city, geom=_bowtie())


@pytest.mark.django_db
def test_the_database_refuses_a_sector_outside_manufacturing():
    with pytest.raises(IntegrityError, match="sector_is_manufacturing"), transaction.atomic():
        Sector.objects.create(code=45, name="Wholesale and retail trade of motor vehicles")


@pytest.mark.django_db
def test_areas_are_measured_in_square_kilometres_on_an_equal_area_projection():
    # A 2 km x 3 km rectangle drawn in EPSG:3035 near Brussels, stored in WGS84.
    x, y = 3_930_000, 3_100_000
    rect = Polygon(
        ((x, y), (x + 2000, y), (x + 2000, y + 3000), (x, y + 3000), (x, y)), srid=METRIC_SRID
    )
    rect.transform(4326)
    city = CityFactory(outline=MultiPolygon(rect, srid=4326))
    district = DistrictFactory(city=city, geom=MultiPolygon(rect, srid=4326))

    city_refresh_areas(city=city)

    district.refresh_from_db()
    assert district.area_km2 == pytest.approx(6.0, rel=0.005)
    assert city.area_km2 == pytest.approx(6.0, rel=0.005)


@pytest.mark.django_db
def test_refreshing_areas_twice_writes_nothing_the_second_time():
    city = CityFactory()
    DistrictFactory(city=city)
    assert city_refresh_areas(city=city) == {"districts_updated": 1, "city_updated": 1}
    assert city_refresh_areas(city=city) == {"districts_updated": 0, "city_updated": 0}
