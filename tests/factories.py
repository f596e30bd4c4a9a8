from datetime import UTC, datetime

import factory
from django.contrib.gis.geos import MultiPolygon, Polygon

from cities.models import City, Dataset, District


def square(x: float, y: float, size: float = 0.01) -> MultiPolygon:
    """A small square in WGS84 with its south-west corner at (x, y)."""
    return MultiPolygon(
        Polygon(((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))), srid=4326
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stakeholders.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    slug = factory.Sequence(lambda n: f"dataset-{n}")
    name = factory.Sequence(lambda n: f"Test dataset {n} (synthetic)")
    publisher = "Test suite"
    licence = "CC0-1.0"
    quality = Dataset.Quality.SYNTHETIC
    imported_at = datetime(2026, 1, 1, tzinfo=UTC)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.Sequence(lambda n: f"Test City {n}")
    short_name = factory.LazyAttribute(lambda c: c.name)
    country = "BE"
    summary = "A city made up for a test."
    outline = factory.LazyFunction(lambda: square(4.30, 50.80, 0.05))
    dataset = factory.SubFactory(DatasetFactory)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    slug = factory.Sequence(lambda n: f"district-{n}")
    name = factory.Sequence(lambda n: f"District {n}")
    local_names = factory.LazyAttribute(lambda d: [d.name])
    geom = factory.LazyFunction(lambda: square(4.31, 50.81))
    dataset = factory.LazyAttribute(lambda d: d.city.dataset)
