import io

import pytest
from django.core.management import CommandError, call_command

from cities.models import MAX_TILE_DETAIL_ZOOM, Dataset, Site

pytestmark = pytest.mark.usefixtures("demo")


def test_it_adds_synthetic_sites_to_a_city_and_thins_them_for_the_tiles():
    out = io.StringIO()
    call_command("generate_sites", city="london", count=2000, stdout=out)

    dataset = Dataset.objects.get(slug="generated-sites-london")
    assert dataset.quality == Dataset.Quality.SYNTHETIC
    sites = Site.objects.filter(dataset=dataset)
    assert sites.count() == 2000
    assert sites.filter(min_zoom__lt=MAX_TILE_DETAIL_ZOOM).exists()
    assert "2,000 sites created in london" in out.getvalue()


def test_a_second_run_adds_more_with_new_identifiers():
    call_command("generate_sites", city="brussels", count=10, stdout=io.StringIO())
    call_command("generate_sites", city="brussels", count=10, stdout=io.StringIO())
    ids = Site.objects.filter(dataset__slug="generated-sites-brussels").values_list(
        "external_id", flat=True
    )
    assert len(set(ids)) == 20


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"city": "atlantis", "count": 10}, "No city 'atlantis'"),
        ({"city": "london", "count": 0}, "--count must be between"),
        ({"city": "london", "count": 10, "seed": 3}, "--seed must be between"),
    ],
)
def test_it_refuses_bad_arguments_with_a_clear_message(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_sites", stdout=io.StringIO(), **options)
