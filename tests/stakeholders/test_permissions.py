"""Who may read and change a workspace, page by page and endpoint by endpoint.

Every refused write asserts that the database row is unchanged.
"""

import json

import pytest
from django.forms.models import model_to_dict

from stakeholders.models import Workspace
from stakeholders.services import moderation_version
from tests.personas import make_workspace

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "olivia", "mona", "pat"]


@pytest.fixture
def people(alice, bob, olivia, mona, pat):
    return {"anonymous": None, "alice": alice, "bob": bob, "olivia": olivia, "mona": mona,
            "pat": pat}  # fmt: skip


@pytest.fixture
def as_role(client, people):
    def sign_in(role):
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        return client

    return sign_in


def snapshot(workspace: Workspace) -> dict:
    fresh = Workspace.objects.get(pk=workspace.pk)
    row = model_to_dict(fresh, exclude=["location", "geom_3857", "search"])
    row["location"] = fresh.location.wkt
    row["updated_at"] = fresh.updated_at
    return row


# role: status code of GET for a workspace waiting for review
PENDING_PAGE = {"anonymous": 404, "alice": 200, "bob": 404, "olivia": 404, "mona": 200, "pat": 404}


@pytest.mark.parametrize("role", ROLES)
def test_a_pending_workspace_is_seen_by_its_owner_and_moderators_only(role, as_role, pending):
    client = as_role(role)
    page = client.get(f"/makers/{pending.slug}/")
    assert page.status_code == PENDING_PAGE[role]
    assert client.get(f"/api/v1/workspaces/{pending.slug}/").status_code == 404
    listing = client.get("/makers/?city=testville").content.decode()
    assert pending.name not in listing
    api = client.get("/api/v1/workspaces/?city=testville").json()
    assert pending.slug not in {f["id"] for f in api["features"]}
    own = client.get(f"/api/v1/me/workspaces/{pending.slug}/")
    assert own.status_code == {"anonymous": 401, "alice": 200}.get(role, 404)


@pytest.mark.parametrize("role", ROLES)
def test_contact_details_without_consent_stay_private(role, as_role, workspace):
    client = as_role(role)
    html = client.get(f"/makers/{workspace.slug}/").content.decode()
    assert ("alice@workshop.example" in html) is (role in ("alice", "mona"))
    api = client.get(f"/api/v1/workspaces/{workspace.slug}/").json()
    assert api["properties"]["contact"] is None


@pytest.mark.parametrize("role", ROLES)
def test_consented_contact_details_are_public(role, as_role, alice, city):
    shared = make_workspace(alice, city, name="Open shop", contact_public=True)
    client = as_role(role)
    assert "alice@workshop.example" in client.get(f"/makers/{shared.slug}/").content.decode()
    api = client.get(f"/api/v1/workspaces/{shared.slug}/").json()
    assert api["properties"]["contact"]["email"] == "alice@workshop.example"


EDIT = {"anonymous": 302, "alice": 200, "bob": 403, "olivia": 403, "mona": 200, "pat": 403}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_and_moderators_open_the_edit_page(role, as_role, workspace):
    assert as_role(role).get(f"/makers/{workspace.slug}/edit/").status_code == EDIT[role]


@pytest.mark.parametrize("role", ["anonymous", "bob", "olivia", "pat"])
def test_nobody_else_changes_a_workspace_through_any_door(role, as_role, workspace):
    before = snapshot(workspace)
    client = as_role(role)
    form = {"name": "Taken over", "description": "x", "city": workspace.city_id,
            "address": "x", "location_lat": "45.05", "location_lon": "10.05",
            "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"}  # fmt: skip
    assert client.post(f"/makers/{workspace.slug}/edit/", form).status_code in (302, 403)
    assert client.post(f"/makers/{workspace.slug}/confirm/").status_code in (302, 403)
    assert client.post(f"/makers/{workspace.slug}/close/", {"closed": "1"}).status_code in (
        302,
        403,
    )
    api = client.patch(
        f"/api/v1/me/workspaces/{workspace.slug}/",
        json.dumps({"name": "Taken over"}),
        content_type="application/json",
    )
    # Signed out, the API asks for credentials (401); signed in, it refuses (403, 404).
    assert api.status_code in ((401,) if role == "anonymous" else (403, 404))
    put = client.put(f"/api/v1/workspaces/{workspace.slug}/", {})
    assert put.status_code in ((401, 405) if role == "anonymous" else (403, 405))
    decision = client.post(f"/staff/workspaces/{workspace.slug}/", {"decision": "reject",
                                                                    "reason": "x"})  # fmt: skip
    assert decision.status_code in (302, 403)
    assert snapshot(workspace) == before
    assert not workspace.changes.exists()


def test_the_owner_cannot_set_owner_or_status_through_the_form(client, alice, bob, pending):
    client.force_login(alice)
    form = {"name": "Alice's new studio", "description": "Turning.", "city": pending.city_id,
            "address": "1 Test Street", "location_lat": "45.05", "location_lon": "10.05",
            "owner": bob.pk, "status": "approved", "slug": "stolen", "dataset": 1,
            "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"}  # fmt: skip
    response = client.post(f"/makers/{pending.slug}/edit/", form)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.owner, pending.status, pending.slug) == (alice, "pending", pending.slug)


def test_the_owner_cannot_set_owner_or_status_through_the_api(client, alice, bob, pending):
    before = snapshot(pending)
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/me/workspaces/{pending.slug}/",
        json.dumps({"status": "approved", "owner": bob.pk}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "owner"}
    assert snapshot(pending) == before


MODERATION = {"anonymous": 302, "alice": 403, "bob": 403, "olivia": 403, "mona": 200, "pat": 403}


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_see_the_queue_and_decide(role, as_role, pending):
    client = as_role(role)
    assert client.get("/staff/workspaces/").status_code == MODERATION[role]
    assert client.get(f"/staff/workspaces/{pending.slug}/").status_code == MODERATION[role]
    before = snapshot(pending)
    response = client.post(
        f"/staff/workspaces/{pending.slug}/",
        {"decision": "approve", "version": moderation_version(pending)},
    )
    if role == "mona":
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == "approved"
    else:
        assert response.status_code in (302, 403)
        assert snapshot(pending) == before


CITY = {"anonymous": 302, "alice": 403, "bob": 403, "olivia": 200, "mona": 200, "pat": 403}


@pytest.mark.parametrize("role", ROLES)
def test_the_city_dashboard_is_for_the_citys_officials_and_staff(role, as_role, city, workspace):
    response = as_role(role).get(f"/dashboard/city/{city.slug}/")
    assert response.status_code == CITY[role]
    if response.status_code == 200:
        assert "alice@workshop.example" not in response.content.decode()


PHOTO = {"anonymous": 404, "alice": 200, "bob": 404, "olivia": 404, "mona": 200, "pat": 404}


@pytest.mark.parametrize("role", ROLES)
def test_a_photo_under_review_is_served_to_its_owner_and_moderators_only(role, as_role, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stakeholders.models import WorkspacePhoto
    from tests.stakeholders.test_registration import jpeg_with_gps

    new = WorkspacePhoto.objects.create(
        workspace=workspace,
        image=SimpleUploadedFile("n.jpeg", jpeg_with_gps(), "image/jpeg"),
        alt_text="New bench",
    )
    shown = WorkspacePhoto.objects.create(
        workspace=workspace,
        image=SimpleUploadedFile("s.jpeg", jpeg_with_gps(), "image/jpeg"),
        alt_text="Old bench",
        approved=True,
    )
    client = as_role(role)
    response = client.get(new.url)
    assert response.status_code == PHOTO[role]
    if response.status_code == 200:
        assert response["Cache-Control"] == "private, no-store"
    public = client.get(shown.url)
    assert public.status_code == 200
    assert public["Content-Type"] == "image/jpeg"
