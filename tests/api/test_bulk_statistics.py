"""Bulk writes of context features, indicators and flows into a partner's dataset."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cities.models import ContextFeature, Indicator, MaterialCategory, MaterialFlow
from stakeholders.models import ApiWrite
from stakeholders.partner_data import partner_dataset_create
from stakeholders.tokens import token_create
from tests.factories import DistrictFactory
from tests.personas import X, Y

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(partner, admin, city):
    DistrictFactory(city=city, slug="north", name="North")
    DistrictFactory(city=city, slug="port", name="Port")
    MaterialCategory.objects.get_or_create(code="wood", defaults={"name": "Wood"})
    return partner_dataset_create(
        organisation=partner, by=admin, name="Delft statistics", city=city,
        licence="CC-BY-4.0", quality="official",
    ).dataset  # fmt: skip


@pytest.fixture
def secret(partner, admin) -> str:
    _token, secret = token_create(
        organisation=partner, by=admin, name="Statistics loader",
        scopes=["write:indicators", "write:flows", "write:context"],
        expires_at=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    return secret


def post(secret, dataset, kind, body, *, content_type="application/json", query=""):
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(
        f"/api/v1/datasets/{dataset.slug}/{kind}/bulk{query}", data, content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )  # fmt: skip


def jobs(district="North", year=2023, value=1480, sector="C25"):
    return {"district": district, "key": "jobs", "sector": sector, "year": year, "value": value,
            "unit": "jobs"}  # fmt: skip


def indicators(dataset):
    return set(
        Indicator.objects.filter(dataset=dataset).values_list(
            "district__slug", "key", "sector_id", "year", "value"
        )
    )


# ---- Indicators -----------------------------------------------------------------------------


def test_indicators_are_upserted_by_their_key_and_named_by_it(secret, dataset):
    first = post(secret, dataset, "indicators", {"rows": [
        jobs(), jobs(district="", sector="", value=9000), jobs(year=2022, value=1400),
    ]})  # fmt: skip
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 3

    second = post(secret, dataset, "indicators", [jobs(value=1500), jobs(year=2022, value=1400)])
    assert second.status_code == 200, second.content
    assert (second.json()["created"], second.json()["updated"], second.json()["unchanged"]) == (
        0, 1, 1,
    )  # fmt: skip
    assert indicators(dataset) == {
        ("north", "manufacturing_jobs", 25, 2023, 1500.0),
        ("north", "manufacturing_jobs", 25, 2022, 1400.0),
        (None, "manufacturing_jobs", None, 2023, 9000.0),
    }
    (write,) = ApiWrite.objects.filter(dataset=dataset, kind="indicators", changes__created=[])
    assert write.changes["updated"] == ["north/manufacturing_jobs/25/2023"]


def test_indicators_are_deleted_by_their_key_and_a_missing_one_is_named(secret, dataset):
    post(secret, dataset, "indicators", [jobs(), jobs(year=2022)])
    gone = {"district": "north", "key": "manufacturing_jobs", "sector": 25, "year": 2022}
    missing = {"district": "Port", "key": "jobs", "sector": 25, "year": 2022}

    response = post(secret, dataset, "indicators", {"delete": [gone, missing]})

    assert response.status_code == 200, response.content
    assert response.json()["deleted"] == 1
    assert response.json()["not_found"] == [missing]
    assert indicators(dataset) == {("north", "manufacturing_jobs", 25, 2023, 1480.0)}


def test_an_indicator_row_or_deletion_that_does_not_convert_rejects_everything(secret, dataset):
    post(secret, dataset, "indicators", [jobs()])
    before = indicators(dataset)

    bad_row = post(secret, dataset, "indicators", [jobs(year=2021), jobs(district="Atlantis")])
    bad_key = post(secret, dataset, "indicators", {
        "rows": [jobs(year=2020)],
        "delete": [{"district": "North", "key": "smiles", "year": 2023}],
    })  # fmt: skip
    repeated = post(secret, dataset, "indicators", [jobs(year=2019), jobs(year=2019, value=1)])
    unknown = post(secret, dataset, "indicators", [{**jobs(), "colour": "red"}])

    assert bad_row.status_code == 422, bad_row.content
    (error,) = bad_row.json()["errors"]
    assert (error["index"], error["field"], error["value"]) == (1, "district", "Atlantis")
    assert error["external_id"] == "Atlantis/jobs/C25/2023"
    assert bad_key.status_code == 422, bad_key.content
    assert [e["field"] for e in bad_key.json()["errors"]] == ["delete[0].key"]
    assert repeated.status_code == 422, repeated.content
    assert {e["index"] for e in repeated.json()["errors"]} == {0, 1}
    assert (
        "same district, indicator, sector (NACE) and year"
        in repeated.json()["errors"][0]["message"]
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "colour"
    assert indicators(dataset) == before


def test_a_deletion_without_its_required_key_fields_is_refused(secret, dataset):
    response = post(secret, dataset, "indicators", {"delete": [{"district": "North"}]})
    assert response.status_code == 422, response.content
    assert {e["field"] for e in response.json()["errors"]} == {"delete[0].key", "delete[0].year"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"type": "FeatureCollection", "features": []}', "list of rows"),
        ('{"rows": {}}', "must be lists"),
        ('{"rows": [1]}', "Row 0 is not an object"),
        ('{"delete": ["north/jobs"]}', "Deletion 0"),
    ],
)
def test_a_statistics_body_of_the_wrong_shape_is_a_400(secret, dataset, body, message):
    response = post(secret, dataset, "indicators", body)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]


def test_indicators_come_as_ndjson_lines_too(secret, dataset):
    lines = "\n".join(
        json.dumps(item)
        for item in (jobs(), jobs(year=2021), {"delete": {"district": "North", "key": "jobs",
                                                          "sector": "C25", "year": 2021}})
    )  # fmt: skip
    response = post(secret, dataset, "indicators", lines, content_type="application/x-ndjson")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["deleted"]) == (2, 1)
    assert indicators(dataset) == {("north", "manufacturing_jobs", 25, 2023, 1480.0)}


# ---- Flows ----------------------------------------------------------------------------------


def flow(tonnes=12.5, origin="import", destination="Port", year=2022):
    return {"year": year, "material": "Wood", "origin": origin, "destination": destination,
            "tonnes": tonnes}  # fmt: skip


def flows(dataset):
    return set(
        MaterialFlow.objects.filter(dataset=dataset).values_list(
            "origin_activity", "origin_district__slug", "destination_activity",
            "destination_district__slug", "tonnes",
        )
    )  # fmt: skip


def test_flows_are_upserted_by_their_ends_and_deleted_by_them(secret, dataset):
    back = flow(3, origin="Port", destination="recycling")
    first = post(secret, dataset, "flows", [flow(), back])
    second = post(secret, dataset, "flows", {
        "rows": [flow(14)],
        "delete": [{"year": 2022, "material": "wood", "origin": "port",
                    "destination": "Recycling"}],
    })  # fmt: skip

    assert first.status_code == 200 and first.json()["created"] == 2, first.content
    assert second.status_code == 200, second.content
    assert (second.json()["updated"], second.json()["deleted"]) == (1, 1)
    assert flows(dataset) == {("import", None, "", "port", 14.0)}
    write = ApiWrite.objects.filter(dataset=dataset, kind="flows").order_by("at").last()
    assert write.changes["updated"] == ["2022/wood/import/port"]


def test_a_flow_to_an_unknown_end_rejects_the_request(secret, dataset):
    response = post(secret, dataset, "flows", [flow(), flow(destination="Moon")])
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "destination"
    assert flows(dataset) == set()


# ---- Context features -----------------------------------------------------------------------


def station(external_id, **properties):
    return {"type": "Feature", "id": external_id,
            "geometry": {"type": "Point", "coordinates": [X + 0.1, Y + 0.1]},
            "properties": {"name": f"Station {external_id}", **properties}}  # fmt: skip


def test_context_features_form_the_datasets_layer_and_keep_their_properties(secret, dataset):
    first = post(secret, dataset, "context",
                 {"type": "FeatureCollection", "features": [station("s1", lines=3), station("s2")]},
                 content_type="application/geo+json")  # fmt: skip
    second = post(secret, dataset, "context",
                  {"type": "FeatureCollection", "features": [station("s1", lines=4)],
                   "delete": ["s2", "s9"]},
                  content_type="application/geo+json")  # fmt: skip

    assert first.status_code == 200 and first.json()["created"] == 2, first.content
    assert second.status_code == 200, second.content
    assert (second.json()["updated"], second.json()["deleted"], second.json()["not_found"]) == (
        1, 1, ["s9"],
    )  # fmt: skip
    (kept,) = ContextFeature.objects.filter(layer__dataset=dataset)
    assert (kept.layer.slug, kept.layer.name) == (dataset.slug, "Delft statistics")
    # Kept as the pipeline keeps a file's attributes: as text.
    assert (kept.name, kept.properties["lines"]) == ("Station s1", "4")


def test_a_token_without_the_kinds_scope_writes_nothing(partner, admin, dataset):
    _token, only_sites = token_create(
        organisation=partner, by=admin, name="Sites only", scopes=["write:sites"],
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    for kind, body in (("indicators", [jobs()]), ("flows", [flow()])):
        assert post(only_sites, dataset, kind, body).status_code == 403
    assert indicators(dataset) == set() and flows(dataset) == set()
