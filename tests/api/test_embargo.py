"""A partner's dataset under embargo: its owners read it (token or signed in), nobody else
does (API, /ogc/, files, tiles, the city's figures, analyses), until its day or until
they lift it."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cities.analyses.inputs import sites_where
from cities.models import Dataset, Site
from cities.tasks import embargoes_ended
from cities.tile_versions import layer_version
from stakeholders.models import Membership, Organisation
from stakeholders.partner_data import dataset_embargo_set, partner_dataset_create
from tests.api.test_bulk import collection, feature, post, secret_for
from tests.personas import user

pytestmark = pytest.mark.django_db

SOON = timezone.now().date() + timedelta(days=90)


@pytest.fixture
def embargoed(partner, admin, city):
    dataset = partner_dataset_create(
        organisation=partner, by=admin, name="Unpublished survey", city=city,
        licence="CC-BY-4.0", quality="partial", embargo_until=SOON,
    ).dataset  # fmt: skip
    secret = secret_for(partner, admin)
    response = post(secret, dataset, collection(feature("e-1"), feature("e-2", 0.01)))
    assert response.status_code == 200, response.content
    return dataset, secret


def ids_in(body: dict) -> set[str]:
    return {f["properties"]["external_id"] for f in body["features"]}


def api_sites(city, **headers) -> set[str]:
    response = Client().get(f"/api/v1/sites/?city={city.slug}&limit=1000", **headers)
    assert response.status_code == 200, response.content
    return ids_in(response.json())


def ogc_sites(city, **headers) -> set[str]:
    response = Client().get(f"/ogc/collections/sites/items?city={city.slug}&limit=1000", **headers)
    assert response.status_code == 200, response.content
    return ids_in(json.loads(response.content))


def test_only_the_owners_read_a_dataset_under_embargo(embargoed, city, partner):
    dataset, secret = embargoed
    other = Organisation.objects.create(slug="other-lab", name="Other lab", kind="partner")
    stranger = user("stella")
    Membership.objects.create(organisation=other, user=stranger, role="admin")
    theirs = secret_for(other, stranger)
    own = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert not {"e-1", "e-2"} & api_sites(city)
    assert not {"e-1", "e-2"} & ogc_sites(city)
    assert not {"e-1", "e-2"} & api_sites(city, HTTP_AUTHORIZATION=f"Bearer {theirs}")
    assert {"e-1", "e-2"} <= api_sites(city, **own)
    assert {"e-1", "e-2"} <= ogc_sites(city, **own)  # QGIS sends its token to /ogc/ too
    site = Site.objects.get(dataset=dataset, external_id="e-1")
    assert Client().get(f"/api/v1/sites/{site.pk}/").status_code == 404
    assert Client().get(f"/ogc/collections/sites/items/{site.pk}").status_code == 404
    assert Client().get(f"/ogc/collections/sites/items/{site.pk}", **own).status_code == 200


def test_files_are_public_rows_only_but_the_owners_download_theirs(embargoed, city, admin):
    url = f"/export/sites.geojson?city={city.slug}"
    member = Client()
    member.force_login(admin)

    public = json.loads(b"".join(Client().get(url).streaming_content))
    owned = json.loads(b"".join(member.get(url).streaming_content))

    assert not {"e-1", "e-2"} & ids_in(public)
    assert {"e-1", "e-2"} <= ids_in(owned)


def test_analyses_count_no_site_under_embargo(embargoed, city):
    from django.db import connection

    where, values = sites_where({})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM cities_site s WHERE {where} AND s.dataset_id = %(d)s",
            {"city": city.pk, "d": embargoed[0].pk, **values},
        )
        assert cursor.fetchone()[0] == 0


def test_lifting_the_embargo_publishes_the_data_and_redraws_the_tiles(
    embargoed, city, admin, django_capture_on_commit_callbacks
):
    dataset, _secret = embargoed
    owner = Client()
    owner.force_login(admin)
    before = layer_version("sites")
    page = owner.get(f"/organisations/delft-lab/datasets/{dataset.slug}/embargo/")
    assert page.status_code == 200 and "Under embargo until" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            f"/organisations/delft-lab/datasets/{dataset.slug}/embargo/", {"embargo_until": ""}
        )

    assert response.status_code == 302
    assert layer_version("sites") != before  # the cached tiles are dropped
    dataset.refresh_from_db()
    assert dataset.embargo_until is None and not dataset.is_embargoed
    assert {"e-1", "e-2"} <= api_sites(city) and {"e-1", "e-2"} <= ogc_sites(city)


def test_an_embargo_ends_on_its_day_with_nothing_to_run(embargoed, city):
    dataset, _secret = embargoed
    Dataset.objects.filter(pk=dataset.pk).update(embargo_until=timezone.now().date())

    assert {"e-1", "e-2"} <= api_sites(city) and {"e-1", "e-2"} <= ogc_sites(city)
    assert embargoes_ended() == 1


@pytest.mark.parametrize(
    ("days", "status"), [(0, 400), (-3, 400), (800, 400), (30, 302)]
)  # fmt: skip
def test_an_embargo_ends_after_today_and_within_two_years(partner, admin, city, days, status):
    owner = Client()
    owner.force_login(admin)
    until = (timezone.now().date() + timedelta(days=days)).isoformat()

    response = owner.post("/organisations/delft-lab/datasets/new/", {
        "name": "Survey", "city": city.pk, "licence": "CC-BY-4.0", "quality": "partial",
        "embargo_until": until,
    })  # fmt: skip

    assert response.status_code == status
    if status == 400:
        assert "within two years" in response.content.decode()
        assert not Dataset.objects.filter(name="Survey").exists()
    else:
        assert Dataset.objects.get(name="Survey").embargo_until.isoformat() == until


def test_only_the_organisations_token_managers_set_an_embargo(embargoed, partner):
    dataset, _secret = embargoed
    member = user("mia")
    Membership.objects.create(organisation=partner, user=member, role="member")
    client = Client()
    client.force_login(member)

    response = client.post(
        f"/organisations/delft-lab/datasets/{dataset.slug}/embargo/", {"embargo_until": ""}
    )

    assert response.status_code == 403
    dataset.refresh_from_db()
    assert dataset.is_embargoed
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        dataset_embargo_set(partner=dataset.partner, until=None, by=member)


def test_the_dataset_page_says_until_when_and_offers_no_download(embargoed):
    dataset, _secret = embargoed

    page = Client().get(dataset.get_absolute_url()).content.decode()

    assert "Under embargo until" in page and "Public from" in page
    assert "/export/" not in page
