"""Bulk upserts into a partner's own dataset: all or nothing, idempotent, audited, and only
with a token of the organisation that owns the dataset and the scope of the kind written."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cities.gis_io import bulk
from cities.models import Import, LandZone, Site, ZoningCategory
from stakeholders.models import ApiToken, ApiWrite, IdempotentRequest, Membership, Organisation
from stakeholders.partner_data import partner_dataset_create
from stakeholders.tokens import token_create, token_revoke
from tests.personas import X, Y, user

pytestmark = pytest.mark.django_db

GEOJSON = "application/geo+json"


@pytest.fixture
def dataset(partner, admin, city):
    return partner_dataset_create(
        organisation=partner, by=admin, name="Delft workshops survey", city=city,
        licence="CC-BY-4.0", quality="partial",
    ).dataset  # fmt: skip


def secret_for(partner, admin, scopes=("read", "write:sites"), days=30) -> str:
    _token, secret = token_create(
        organisation=partner, by=admin, name="Loader", scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )  # fmt: skip
    return secret


@pytest.fixture
def secret(partner, admin) -> str:
    return secret_for(partner, admin)


def feature(external_id, dx=0.0, **properties) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [X + 0.05 + dx, Y + 0.05 + dx]},
        "properties": {"external_id": external_id, "name": f"Site {external_id}", "sector": 25,
                       **properties},
    }  # fmt: skip


def collection(*features, delete=()) -> dict:
    body = {"type": "FeatureCollection", "features": list(features)}
    if delete:
        body["delete"] = list(delete)
    return body


def post(secret, dataset, body, *, kind="sites", query="", content_type=GEOJSON, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(
        f"/api/v1/datasets/{dataset.slug}/{kind}/bulk{query}", data, content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {secret}", **headers,
    )  # fmt: skip


def writes(dataset):
    return ApiWrite.objects.filter(dataset=dataset)


def rows(dataset) -> dict[str, Site]:
    return {s.external_id: s for s in Site.objects.filter(dataset=dataset)}


# ---- Writing ------------------------------------------------------------------------------


def test_a_bulk_write_creates_the_sites_and_records_who_wrote_what(secret, dataset, city):
    response = post(secret, dataset, collection(
        feature("w-1", employees=12), feature("w-2", 0.01, address="Kanaalweg 3")))  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["deleted"], body["dry_run"]) == (2, 0, 0, False)
    written = rows(dataset)
    assert written["w-1"].employees == 12 and written["w-1"].city == city
    assert written["w-2"].address == "Kanaalweg 3" and written["w-2"].sector_id == 25
    assert written["w-2"].geom.coords == pytest.approx((X + 0.06, Y + 0.06))
    (write,) = writes(dataset)
    assert write.organisation.slug == "delft-lab" and write.dataset == dataset
    assert write.changes == {"created": ["w-1", "w-2"], "updated": [], "deleted": []}
    assert write.token_label.startswith("Loader (") and write.ip == "127.0.0.1"
    (record,) = Import.objects.filter(dataset=dataset)
    assert record.options == {"bulk": True} and record.stage == Import.Stage.DONE
    assert not record.issues.exists()


def test_a_second_write_updates_what_changed_deletes_and_names_what_it_did_not_find(
    secret, dataset
):
    post(secret, dataset, collection(feature("w-1"), feature("w-2"), feature("w-3")))

    response = post(secret, dataset, collection(
        feature("w-1"), feature("w-2", employees=40), delete=["w-3", "nope"]))  # fmt: skip

    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["deleted"]) == (0, 1, 1, 1)
    assert body["not_found"] == ["nope"]
    assert set(rows(dataset)) == {"w-1", "w-2"} and rows(dataset)["w-2"].employees == 40
    latest = writes(dataset).first()
    assert latest.changes == {"created": [], "updated": ["w-2"], "deleted": ["w-3"]}


def test_ndjson_lines_carry_features_and_deletions(secret, dataset):
    post(secret, dataset, collection(feature("old")))
    lines = "\n".join([json.dumps(feature("n-1")), json.dumps({"delete": "old"}),
                       "", json.dumps(feature("n-2", 0.01))])  # fmt: skip

    response = post(secret, dataset, lines, content_type="application/x-ndjson")

    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["deleted"]) == (2, 1)
    assert set(rows(dataset)) == {"n-1", "n-2"}


def test_a_legacy_crs_member_names_the_coordinates_system(secret, dataset, city):
    body = collection(feature("mercator"))
    body["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    x, y = 1118760.88, 5629396.40  # 10.05 E, 45.05 N in web Mercator
    body["features"][0]["geometry"]["coordinates"] = [x, y]

    response = post(secret, dataset, body)
    assert response.status_code == 200, response.content
    assert rows(dataset)["mercator"].geom.coords == pytest.approx((X + 0.05, Y + 0.05), abs=1e-5)


def test_zones_are_upserted_by_identifier_and_year(partner, admin, dataset, city):
    secret = secret_for(partner, admin, scopes=["write:zones"])
    category = ZoningCategory.objects.create(city=city, code="IND", name="Industry",
                                             meaning="industrial")  # fmt: skip
    square = [[X, Y], [X + 0.01, Y], [X + 0.01, Y + 0.01], [X, Y + 0.01], [X, Y]]
    zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
            "properties": {"external_id": "z-1", "category": "IND", "reference_year": 2020,
                           "protection": "unprotected"}}  # fmt: skip

    first = post(secret, dataset, collection(zone), kind="zones")
    zone["properties"]["name"] = "Harbour"
    second = post(secret, dataset, collection(zone), kind="zones")

    assert first.status_code == 200, first.content
    assert (first.json()["created"], second.json()["updated"]) == (1, 1), second.content
    (written,) = LandZone.objects.filter(dataset=dataset)
    assert (written.name, written.category, written.reference_year) == ("Harbour", category, 2020)


# ---- All or nothing -------------------------------------------------------------------------


def test_one_bad_row_rejects_the_request_with_each_problem_and_writes_nothing(secret, dataset):
    post(secret, dataset, collection(feature("keep")))
    before = (Site.objects.count(), writes(dataset).count(), Import.objects.count())

    response = post(secret, dataset, collection(
        feature("ok"), feature("bad-sector", sector=99), feature("far", 5.0),
        feature("typo", employes=3), delete=["keep"]))  # fmt: skip

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["error_count"] == 1
    found = {(e["index"], e["external_id"], e["field"]) for e in problem["errors"]}
    assert found == {(3, "typo", "employes")}  # unknown fields are found before reading
    assert "employees" in problem["errors"][0]["message"]
    assert (Site.objects.count(), writes(dataset).count(), Import.objects.count()) == before

    response = post(secret, dataset, collection(
        feature("ok"), feature("bad-sector", sector=99), feature("far", 5.0)))  # fmt: skip

    found = {(e["index"], e["external_id"], e["field"]) for e in response.json()["errors"]}
    assert found == {(1, "bad-sector", "sector"), (2, "far", "geometry")}
    assert (Site.objects.count(), writes(dataset).count(), Import.objects.count()) == before
    assert set(rows(dataset)) == {"keep"}


def test_a_dry_run_validates_and_counts_without_writing(secret, dataset):
    response = post(secret, dataset, collection(feature("w-1")), query="?dry_run=true")

    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert response.json()["created"] == 1
    assert not rows(dataset) and not writes(dataset).exists()
    assert not Import.objects.filter(dataset=dataset).exists()
    bad = post(secret, dataset, collection(feature("x", sector=99)), query="?dry_run=true")
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "Feature"}), "FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": [{"type": "Point"}]}), "Feature 0"),
        (json.dumps(collection(delete=[{"id": 1}])), "identifiers"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400(secret, dataset, body, message):
    response = post(secret, dataset, body)

    assert response.status_code == 400 and message in response.json()["detail"]


def test_a_feature_without_identifier_is_refused(secret, dataset):
    nameless = feature("x")
    del nameless["properties"]["external_id"]

    response = post(secret, dataset, collection(nameless))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "external_id"


def test_the_feature_id_serves_as_identifier(secret, dataset):
    identified = feature("x")
    del identified["properties"]["external_id"]
    identified["id"] = "from-id"

    assert post(secret, dataset, collection(identified)).status_code == 200
    assert set(rows(dataset)) == {"from-id"}


# ---- Idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_answer_and_changes_nothing(secret, dataset):
    body = collection(feature("w-1"), feature("w-2"))
    first = post(secret, dataset, body, HTTP_IDEMPOTENCY_KEY="load-1")
    Site.objects.filter(dataset=dataset, external_id="w-1").update(employees=7)

    retry = post(secret, dataset, body, HTTP_IDEMPOTENCY_KEY="load-1")

    assert retry.status_code == 200 and retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert rows(dataset)["w-1"].employees == 7  # not written again
    assert writes(dataset).count() == 1

    other = post(secret, dataset, collection(feature("w-3")), HTTP_IDEMPOTENCY_KEY="load-1")
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    assert "w-3" not in rows(dataset)


def test_a_refused_request_does_not_keep_its_key(secret, dataset):
    bad = post(secret, dataset, collection(feature("x", sector=99)), HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 422 and not IdempotentRequest.objects.filter(key="k").exists()

    fixed = post(secret, dataset, collection(feature("x")), HTTP_IDEMPOTENCY_KEY="k")

    assert fixed.status_code == 200 and set(rows(dataset)) == {"x"}


# ---- Who may write ------------------------------------------------------------------------------


def refused_without_writing(response, status: int, dataset) -> None:
    assert response.status_code == status, response.content
    assert not rows(dataset) and not writes(dataset).exists()


def test_each_write_scope_allows_its_own_kind_only(partner, admin, dataset):
    zones_only = secret_for(partner, admin, scopes=["read", "write:zones"])

    response = post(zones_only, dataset, collection(feature("w-1")))

    refused_without_writing(response, 403, dataset)
    assert "write:sites" in response.json()["detail"]


def test_an_expired_or_revoked_token_is_a_401(partner, admin, dataset):
    expired = secret_for(partner, admin)
    ApiToken.objects.filter(organisation=partner).update(
        created_at=timezone.now() - timedelta(days=10), expires_at=timezone.now() - timedelta(1)
    )
    refused_without_writing(post(expired, dataset, collection(feature("a"))), 401, dataset)

    revoked = secret_for(partner, admin)
    token_revoke(token=partner.api_tokens.get(expires_at__gt=timezone.now()), by=admin)
    refused_without_writing(post(revoked, dataset, collection(feature("a"))), 401, dataset)


def test_another_organisations_dataset_and_a_non_partner_dataset_are_refused(dataset, city, admin):
    other = Organisation.objects.create(slug="other-lab", name="Other Lab", kind="research")
    other_admin = user("oscar")
    Membership.objects.create(organisation=other, user=other_admin, role="admin")
    theirs = secret_for(other, other_admin)

    refused_without_writing(post(theirs, dataset, collection(feature("a"))), 403, dataset)
    response = post(theirs, city.dataset, collection(feature("a")))
    assert response.status_code == 403 and "partner's own" in response.json()["detail"]


def test_no_token_a_session_unknown_dataset_or_kind(secret, dataset, admin):
    anonymous = Client().post(
        f"/api/v1/datasets/{dataset.slug}/sites/bulk", "{}", content_type=GEOJSON
    )
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    session = Client()
    session.force_login(admin)
    response = session.post(
        f"/api/v1/datasets/{dataset.slug}/sites/bulk", "{}", content_type=GEOJSON
    )
    assert response.status_code == 403
    missing = post(secret, type("D", (), {"slug": "no-such"}), collection())
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert post(secret, dataset, collection(), kind="statues").status_code == 404


# ---- Found in review ----------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, "", "   ", "x" * 81])
def test_a_blank_or_too_long_identifier_is_refused_not_invented(secret, dataset, given):
    body = feature("x")
    body["properties"]["external_id"] = given

    response = post(secret, dataset, collection(body))

    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "external_id"
    assert not rows(dataset)


def test_an_identifier_is_trimmed_and_a_blank_one_falls_back_to_the_feature_id(secret, dataset):
    padded, blank = feature(" pad "), feature("")
    blank["id"] = 42

    assert post(secret, dataset, collection(padded, blank)).status_code == 200
    assert set(rows(dataset)) == {"pad", "42"}


@pytest.mark.parametrize(
    "body",
    ["[" * 5000, json.dumps({**collection(), "crs": {"properties": None}}),
     json.dumps({**collection(), "crs": "EPSG:4326"})],
)  # fmt: skip
def test_deep_nesting_and_a_malformed_crs_are_a_400(secret, dataset, body):
    assert post(secret, dataset, body).status_code == 400


def test_a_site_that_closes_before_it_opens_is_a_row_error(secret, dataset):
    response = post(secret, dataset, collection(feature("x", year_opened=2010, year_closed=2000)))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year_closed" and not rows(dataset)


def test_a_crs_inside_a_geometry_never_reaches_gdal(secret, dataset, settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = str(tmp_path)
    body = feature("x")
    body["geometry"]["crs"] = {"type": "link", "properties": {"href": "http://example.org/crs"}}

    assert post(secret, dataset, collection(body)).status_code == 200
    assert set(rows(dataset)) == {"x"}
    assert not any((tmp_path / "imports").iterdir())  # the staged file is gone


def test_a_dry_run_with_a_key_leaves_the_key_for_the_real_request(secret, dataset):
    body = collection(feature("w-1"))
    dry = post(secret, dataset, body, query="?dry_run=true", HTTP_IDEMPOTENCY_KEY="k-dry")
    real = post(secret, dataset, body, HTTP_IDEMPOTENCY_KEY="k-dry")

    assert (dry.status_code, real.status_code) == (200, 200)
    assert real.json()["created"] == 1 and "Idempotent-Replayed" not in real


def test_zones_sent_again_unchanged_are_counted_unchanged(partner, admin, dataset, city):
    secret = secret_for(partner, admin, scopes=["write:zones"])
    ZoningCategory.objects.create(city=city, code="IND", name="Industry", meaning="industrial")
    square = [[X + 0.05, Y + 0.05], [X + 0.06, Y + 0.05], [X + 0.06, Y + 0.06],
              [X + 0.05, Y + 0.06], [X + 0.05, Y + 0.05]]  # fmt: skip
    zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
            "properties": {"external_id": "z-1", "category": "IND", "reference_year": 2020,
                           "protection": "protected"}}  # fmt: skip
    post(secret, dataset, collection(zone), kind="zones")

    again = post(secret, dataset, collection(zone), kind="zones").json()

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_a_body_over_the_size_limit_is_a_413(secret, dataset, monkeypatch):
    from stakeholders import datasets_api

    monkeypatch.setattr(datasets_api, "MAX_BODY_MB", 0)

    response = post(secret, dataset, collection(feature("x")))

    assert response.status_code == 413 and not rows(dataset)


def test_the_api_documentation_starts_with_a_getting_started_guide_and_the_token_scheme(client):
    schema = client.get("/api/schema/?format=json").json()

    assert "## Getting started" in schema["info"]["description"]
    assert "/ogc/" in schema["info"]["description"]
    assert schema["components"]["securitySchemes"]["partnerToken"]["scheme"] == "bearer"
    bulk = schema["paths"]["/api/v1/datasets/{slug}/{kind}/bulk"]["post"]
    assert {"200", "401", "403", "422", "429"} <= set(bulk["responses"])
    assert "/api/v1/datasets/{slug}/{kind}/bulk/" not in schema["paths"]
    assert client.get("/api/docs/").status_code == 200


# ---- Larger loads: a job ----------------------------------------------------------------------


def run_job(response) -> dict:
    """Run the queued job here (the test's transaction never commits, so no worker sees it)."""
    from cities.jobs import job_execute

    job_execute(job_id=response.json()["job"])
    return Client().get(response["Location"], HTTP_AUTHORIZATION=response.wsgi_request.META[
        "HTTP_AUTHORIZATION"]).json()  # fmt: skip


def test_a_request_over_the_row_limit_becomes_a_job_that_answers_as_the_request_would(
    secret, dataset, monkeypatch
):
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    body = collection(feature("a"), feature("b", dx=0.01), delete=["c"])

    queued = post(secret, dataset, body, HTTP_IDEMPOTENCY_KEY="big-1")
    assert queued.status_code == 202, queued.content
    assert queued["Location"].endswith(
        f"/api/v1/datasets/{dataset.slug}/jobs/{queued.json()['job']}"
    )
    assert not rows(dataset)  # not yet

    done = run_job(queued)
    assert (done["status"], done["result"]["status"]) == ("succeeded", 200), done
    assert (done["result"]["body"]["created"], done["result"]["body"]["not_found"]) == (2, ["c"])
    assert set(rows(dataset)) == {"a", "b"}
    assert writes(dataset).get().idempotency_key == "big-1"

    retry = post(secret, dataset, body, HTTP_IDEMPOTENCY_KEY="big-1")
    assert retry.status_code == 202 and retry.json()["job"] == queued.json()["job"]
    assert retry["Idempotent-Replayed"] == "true"


def test_a_job_with_a_bad_row_fails_listing_it_and_writes_nothing(secret, dataset, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 1)
    queued = post(secret, dataset, collection(feature("a"), feature("b", sector=99)))

    done = run_job(queued)

    assert done["status"] == "failed" and done["result"]["status"] == 422, done
    (error,) = done["result"]["body"]["errors"]
    assert (error["index"], error["field"]) == (1, "sector")
    assert not rows(dataset) and not writes(dataset).exists()


def test_past_the_jobs_limit_is_a_413_and_another_organisation_cannot_read_a_job(
    secret, dataset, monkeypatch, city
):
    from stakeholders import partner_data

    monkeypatch.setattr(bulk, "MAX_ROWS", 1)
    monkeypatch.setattr(partner_data, "JOB_MAX_ROWS", 2)
    too_many = post(secret, dataset, collection(feature("a"), feature("b"), feature("c")))
    assert too_many.status_code == 413

    queued = post(secret, dataset, collection(feature("a"), feature("b")))
    other = Organisation.objects.create(slug="other-lab", name="Other lab", kind="partner")
    someone = user("oscar")
    Membership.objects.create(organisation=other, user=someone, role="admin")
    stranger = secret_for(other, someone)
    peek = Client().get(queued["Location"], HTTP_AUTHORIZATION=f"Bearer {stranger}")
    assert peek.status_code == 404 and peek["Content-Type"] == "application/problem+json"
