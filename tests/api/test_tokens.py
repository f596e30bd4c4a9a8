"""Partner tokens: made on the organisation's page, shown once, sent as a Bearer header,
limited by their scopes and their organisation's rate, revoked at once."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cities.models import Analysis, Job
from stakeholders.models import Membership, Organisation
from stakeholders.tokens import token_create
from tests.personas import user

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def make(partner, admin, scopes=("read",), days=30, **extra) -> str:
    _token, secret = token_create(
        organisation=partner, by=admin, name="QGIS", scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days), **extra,
    )  # fmt: skip
    return secret


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def form(**values) -> dict:
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {"name": "QGIS office", "scopes": ["read"], "expires_on": expires, **values}


# ---- Making one -----------------------------------------------------------------------


def test_an_administrator_makes_a_token_and_sees_its_secret_once(partner, admin):
    client = signed_in(admin)
    page = client.get(reverse("organisation", args=[partner.slug]))
    assert "No token yet." in page.content.decode()
    assert client.get(reverse("token-create", args=[partner.slug])).status_code == 200

    response = client.post(reverse("token-create", args=[partner.slug]), form(note="Planning"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'value="(com_[0-9a-f]{8}_[\w-]{43})"', response.content.decode())[1]
    token = partner.api_tokens.get()
    assert (token.name, token.scopes, token.note) == ("QGIS office", ["read"], "Planning")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.split("_")[1] == token.prefix
    assert token.created_by == admin and token.is_active
    # The list shows the prefix, never the secret.
    listing = client.get(reverse("organisation", args=[partner.slug])).content.decode()
    assert token.prefix in listing and secret not in listing and "Never" in listing


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scopes": []}, "This field is required."),
        ({"scopes": ["write:everything"]}, "not one of the available choices"),
        ({"expires_on": "2020-01-01"}, "Choose a day after today."),
        ({"expires_on": "+400"}, "A token lasts at most one year."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_token_form_with_bad_values_says_why_and_makes_nothing(partner, admin, values, message):
    if values.get("expires_on") == "+400":
        values["expires_on"] = (timezone.localdate() + timedelta(days=400)).isoformat()
    response = signed_in(admin).post(reverse("token-create", args=[partner.slug]), form(**values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not partner.api_tokens.exists()


def test_only_administrators_and_staff_manage_tokens(partner, admin):
    member = user("max")
    Membership.objects.create(organisation=partner, user=member, role="member")
    outsider = user("otto-else")
    staff = user("stella", is_staff=True)
    url = reverse("token-create", args=[partner.slug])

    assert signed_in(member).post(url, form()).status_code == 403
    assert signed_in(outsider).post(url, form()).status_code == 403
    assert (
        "API tokens"
        not in signed_in(member).get(reverse("organisation", args=[partner.slug])).content.decode()
    )
    assert not partner.api_tokens.exists()
    assert signed_in(staff).post(url, form()).status_code == 200
    assert partner.api_tokens.get().created_by == staff


def test_a_maker_collective_holds_no_tokens(admin):
    collective = Organisation.objects.create(slug="makers", name="Makers", kind="makers")
    Membership.objects.create(organisation=collective, user=admin, role="admin")
    response = signed_in(admin).post(reverse("token-create", args=[collective.slug]), form())
    assert response.status_code == 403 and not collective.api_tokens.exists()


# ---- Using one ------------------------------------------------------------------------


def test_a_token_reads_the_api_and_its_last_use_is_shown(partner, admin):
    secret = make(partner, admin)
    response = Client().get("/api/v1/cities/", REMOTE_ADDR="192.0.2.7", **bearer(secret))

    assert response.status_code == 200
    assert response["RateLimit-Limit"] == "600"
    assert int(response["RateLimit-Remaining"]) == 599
    assert 1 <= int(response["RateLimit-Reset"]) <= 60
    token = partner.api_tokens.get()
    assert token.last_used_ip == "192.0.2.7" and token.last_used_at is not None
    listing = signed_in(admin).get(reverse("organisation", args=[partner.slug])).content.decode()
    assert "192.0.2.7" in listing


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer com_00000000_nope", "This token is not valid."),
        ("Bearer", "Send the token as one word"),
        ("Bearer two words", "Send the token as one word"),
        ("Bearer sk-someone-elses", "This token is not valid."),
    ],
)
def test_a_bad_token_is_a_401_that_names_the_scheme(db, header, message):
    response = Client().get("/api/v1/cities/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert message in response.json()["detail"]


def test_an_expired_or_revoked_token_is_refused_with_the_reason(partner, admin):
    expired = make(partner, admin)
    now = timezone.now()
    partner.api_tokens.update(
        created_at=now - timedelta(days=2), expires_at=now - timedelta(minutes=1)
    )
    response = Client().get("/api/v1/cities/", **bearer(expired))
    assert response.status_code == 401 and "expired on" in response.json()["detail"]

    revoked = make(partner, admin)
    token = partner.api_tokens.get(revoked_at__isnull=True, expires_at__gt=timezone.now())
    signed_in(admin).post(reverse("token-revoke", args=[partner.slug, token.pk]))
    response = Client().get("/api/v1/cities/", **bearer(revoked))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_token_does_only_what_its_scopes_and_the_view_allow(partner, admin, city):
    writer = make(partner, admin, scopes=("write:sites",))
    response = Client().get("/api/v1/cities/", **bearer(writer))
    assert response.status_code == 403 and "“read”" in response.json()["detail"]

    reader = make(partner, admin, scopes=("read", "write:sites"))
    run = {"city": city.slug, "kind": "land-change", "parameters": {}}
    response = Client().post("/api/v1/analyses/", run, content_type="application/json",
                             **bearer(reader))  # fmt: skip
    assert response.status_code == 403 and "cannot write here" in response.json()["detail"]
    assert not Analysis.objects.exists()
    # A person's own workspaces are theirs: no token reaches them.
    response = Client().get("/api/v1/me/workspaces/", **bearer(reader))
    assert response.status_code == 403 and "cannot be used here" in response.json()["detail"]


def test_a_read_token_reads_every_public_endpoint_as_a_visitor_would(demo, partner, admin):
    secret = make(partner, admin)
    client = Client()
    root = client.get("/api/v1/", **bearer(secret)).json()
    workspace = client.get("/api/v1/workspaces/?limit=1").json()["features"][0]
    paths = [*root.values(), f"/api/v1/workspaces/{workspace['id']}/"]
    for path in paths:
        if "/me/" in path:
            continue  # a person's own: tested above
        as_token = client.get(path, **bearer(secret))
        as_visitor = client.get(path)
        assert as_token.status_code == as_visitor.status_code == 200, path


def test_a_token_never_carries_its_makers_staff_rights(partner, city):
    staff = user("stella", is_staff=True)
    secret = make(partner, staff)
    hidden = Analysis.objects.create(
        city=city, kind="land-change", params={}, params_key="x", data_versions={},
        job=Job.objects.create(kind="analysis.x"),
    )  # fmt: skip
    as_staff = signed_in(staff).get("/api/v1/analyses/").json()
    assert [r["id"] for r in as_staff["results"]] == [hidden.pk]
    as_token = Client().get("/api/v1/analyses/", **bearer(secret)).json()
    assert as_token["results"] == []


def test_each_token_has_its_organisations_rate_and_a_429_says_when_to_come_back(partner, admin):
    partner.api_requests_per_minute = 3
    partner.save()
    first, second = make(partner, admin), make(partner, admin)
    answers = [Client().get("/api/v1/sectors/", **bearer(first)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert 1 <= int(answers[3]["Retry-After"]) <= 60
    assert answers[3]["RateLimit-Remaining"] == "0"
    # Another token of the same organisation counts on its own.
    assert Client().get("/api/v1/sectors/", **bearer(second)).status_code == 200


def test_visitors_and_signed_in_people_see_their_own_rate_limit(db):
    response = Client().get("/api/v1/sectors/")
    assert response["RateLimit-Limit"] == "120"
    assert response["RateLimit-Policy"] == "120;w=60"


# ---- Revoking one -----------------------------------------------------------------------


def test_an_administrator_revokes_a_token_after_confirming_and_it_stops_at_once(partner, admin):
    secret = make(partner, admin)
    token = partner.api_tokens.get()
    assert Client().get("/api/v1/cities/", **bearer(secret)).status_code == 200
    client = signed_in(admin)
    confirm = client.get(reverse("token-revoke", args=[partner.slug, token.pk]))
    assert confirm.status_code == 200 and "Revoke the token?" in confirm.content.decode()

    response = client.post(reverse("token-revoke", args=[partner.slug, token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
    assert Client().get("/api/v1/cities/", **bearer(secret)).status_code == 401


def test_another_organisations_administrator_cannot_revoke(partner, admin):
    make(partner, admin)
    token = partner.api_tokens.get()
    other = Organisation.objects.create(slug="other", name="Other lab", kind="partner")
    rival = user("rival")
    Membership.objects.create(organisation=other, user=rival, role="admin")

    assert (
        signed_in(rival).post(reverse("token-revoke", args=[partner.slug, token.pk])).status_code
        == 403
    )
    assert (
        signed_in(rival).post(reverse("token-revoke", args=[other.slug, token.pk])).status_code
        == 404
    )
    token.refresh_from_db()
    assert token.is_active
