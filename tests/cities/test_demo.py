import io

from django.core.management import call_command
from django.db import connection

from cities.models import City, District, Sector
from tests.factories import DatasetFactory, square


def _row_versions() -> list[tuple]:
    """A row's ctid moves whenever it is written (even inside the test's transaction)."""
    rows = []
    with connection.cursor() as cursor:
        for table in (
            "cities_dataset", "cities_city", "cities_district", "cities_sector",
            "cities_zoningcategory", "cities_landzone", "cities_site", "cities_indicator",
            "cities_materialcategory", "cities_materialflow", "cities_contextlayer",
            "cities_contextfeature",
        ):  # fmt: skip
            cursor.execute(f"SELECT ctid::text FROM {table} ORDER BY 1")
            rows.append((table, cursor.fetchall()))
    return rows


def test_it_loads_the_three_partner_cities_with_real_district_names(demo):
    assert sorted(City.objects.values_list("slug", flat=True)) == [
        "brussels", "london", "rotterdam-the-hague",
    ]  # fmt: skip
    brussels = City.objects.get(slug="brussels")
    assert brussels.districts.count() == 19
    assert District.objects.filter(city__slug="london").count() == 33
    ixelles = District.objects.get(city=brussels, name="Ixelles")
    assert ixelles.local_names == ["Ixelles", "Elsene"]
    assert brussels.dataset.quality == "synthetic"


def test_district_shapes_tile_their_city_without_overlap(demo):
    for city in City.objects.all():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT bool_and(ST_IsValid(d.geom))
                         AND ST_NRings(c.outline) = ST_NumGeometries(c.outline),
                       bool_and(ST_Covers(ST_Buffer(c.outline, 1e-6), d.geom)),
                       sum(d.area_km2), c.area_km2,
                       ST_Area(ST_Transform(ST_Union(d.geom), 3035)) / 1e6
                FROM cities_district d JOIN cities_city c ON c.id = d.city_id
                WHERE c.id = %s GROUP BY c.area_km2, c.outline
                """,
                [city.pk],
            )
            valid, inside, district_sum, city_area, union_area = cursor.fetchone()
        assert valid and inside, city.slug  # valid, without holes, inside the outline
        # No gaps and no overlaps: the parts add up to the whole.
        assert abs(district_sum - city_area) / city_area < 0.001, city.slug
        assert abs(union_area - district_sum) / district_sum < 0.001, city.slug


def test_it_has_the_24_manufacturing_divisions_in_three_languages(demo):
    assert Sector.objects.count() == 24
    food = Sector.objects.get(code=10)
    assert (food.name_en, food.name_fr, food.name_nl) == (
        "Manufacture of food products",
        "Industries alimentaires",
        "Vervaardiging van voedingsmiddelen",
    )


def test_loading_again_changes_nothing(demo):
    before = _row_versions()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert _row_versions() == before


def test_it_never_overwrites_a_city_imported_from_real_data(demo):
    real = DatasetFactory(quality="official", name="Official boundaries")
    brussels = City.objects.get(slug="brussels")
    brussels.dataset = real
    brussels.outline = square(4.3, 50.8, 0.1)
    brussels.save()

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    brussels.refresh_from_db()
    assert brussels.dataset == real
    assert brussels.outline.equals_exact(square(4.3, 50.8, 0.1), 1e-9)
    assert "1 kept (not demo data)" in out.getvalue()
