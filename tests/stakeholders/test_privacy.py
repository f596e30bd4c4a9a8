"""A person's data: the JSON download, and deleting the account everywhere it appears."""

import json

import pytest
from django.contrib.gis.geos import Point

from stakeholders.models import Membership, ModerationEvent, Organisation, User, Workspace
from stakeholders.services import Decision, workspace_decide, workspace_update
from tests.personas import make_workspace

pytestmark = pytest.mark.django_db


def test_the_download_holds_the_account_and_every_workspace(client, alice, workspace, pending):
    client.force_login(alice)
    response = client.get("/account/data/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "alice@example.org"
    assert {w["slug"] for w in data["workspaces"]} == {workspace.slug, pending.slug}
    shop = next(w for w in data["workspaces"] if w["slug"] == workspace.slug)
    assert shop["email"] == "alice@workshop.example"
    assert shop["processes"] == ["cnc-machining"]


def test_the_download_needs_a_sign_in(client):
    assert client.get("/account/data/").status_code == 302


def test_deleting_an_account_deletes_its_workspaces_and_history(client, alice, workspace, mona):
    workspace_update(workspace=workspace, by=alice, data={"name": "Renamed"})
    client.force_login(alice)
    wrong = client.post("/account/delete/", {"password": "nope"})
    assert wrong.status_code == 400
    assert User.objects.filter(pk=alice.pk).exists()

    response = client.post("/account/delete/", {"password": "correct horse battery staple"})
    assert response.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert not ModerationEvent.objects.filter(workspace_id=workspace.pk).exists()


def test_a_members_workspaces_go_to_the_organisation_without_personal_data(
    client, alice, workspace, mona, city
):
    collective = Organisation.objects.create(slug="c", name="Collective", kind="makers")
    Membership.objects.create(organisation=collective, user=alice)
    workspace_update(
        workspace=workspace,
        by=alice,
        data={"phone": "+32 470 00 00 00", "email": "alice.private@example.org", "name": "N"},
    )
    workspace_decide(workspace=workspace, by=mona, decision=Decision.REQUEST_CHANGES,
                     reason="Check the name.")  # fmt: skip
    client.force_login(alice)
    client.post("/account/delete/", {"password": "correct horse battery staple"})

    workspace.refresh_from_db()
    assert workspace.owner is None
    assert workspace.organisation == collective
    assert (workspace.email, workspace.phone, workspace.contact_public) == ("", "", False)
    change = workspace.changes.get()
    assert change.submitted_by is None
    assert change.changes == {"name": "N"}  # the private address and phone are gone
    assert not workspace.events.filter(actor__username="alice").exists()
    assert workspace.events.filter(action="handed_over").exists()
    # Nothing anywhere still holds her address.
    assert "alice.private@example.org" not in json.dumps(
        list(workspace.changes.values("changes")), default=str
    )


def test_the_admin_cannot_delete_a_maker_around_the_service(alice, workspace):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        User.objects.get(pk=alice.pk).delete()


def test_the_privacy_page_says_what_is_stored_and_why(client):
    html = client.get("/privacy/").content.decode()
    assert "what we store and why" in html
    assert "consent" in html


def test_a_registration_by_api_records_consent(client, alice, city):
    client.force_login(alice)
    body = {"name": "Consenting shop", "description": "d", "city": city.slug, "address": "a",
            "location": {"type": "Point", "coordinates": [10.05, 45.05]},
            "contact_public": True, "email": "shop@example.org"}  # fmt: skip
    response = client.post("/api/v1/me/workspaces/", body, content_type="application/json")
    assert response.status_code == 201
    shop = Workspace.objects.get(name="Consenting shop")
    assert shop.contact_consent_at is not None
    assert shop.location.equals_exact(Point(10.05, 45.05, srid=4326), 1e-9)


def test_a_workspace_of_an_organisation_stays_with_it(client, alice, city):
    from stakeholders.accounts import account_delete

    zeta = Organisation.objects.create(slug="zeta", name="Zeta collective", kind="makers")
    aardvark = Organisation.objects.create(slug="aardvark", name="Aardvark", kind="partner")
    Membership.objects.create(organisation=aardvark, user=alice)
    theirs = make_workspace(alice, city, name="Zeta's shop", organisation=zeta)
    account_delete(user=User.objects.get(pk=alice.pk))
    theirs.refresh_from_db()
    assert (theirs.owner, theirs.organisation) == (None, zeta)


def test_an_organisations_workspace_is_not_deleted_with_a_member_of_none(alice, city):
    from stakeholders.accounts import account_delete

    zeta = Organisation.objects.create(slug="zeta", name="Zeta collective", kind="makers")
    theirs = make_workspace(alice, city, name="Zeta's shop", organisation=zeta)
    account_delete(user=User.objects.get(pk=alice.pk))
    theirs.refresh_from_db()
    assert theirs.organisation == zeta


def test_private_details_in_a_change_someone_else_grew_are_scrubbed(alice, bob, city):
    from stakeholders.accounts import account_delete

    zeta = Organisation.objects.create(slug="zeta", name="Zeta collective", kind="makers")
    Membership.objects.create(organisation=zeta, user=bob, role="admin")
    shop = make_workspace(alice, city, name="Shared shop", organisation=zeta)
    workspace_update(workspace=shop, by=alice, data={"email": "alice.private@example.org"})
    workspace_update(workspace=shop, by=bob, data={"name": "Shared shop 2"})  # bob submits now
    account_delete(user=User.objects.get(pk=alice.pk))
    assert shop.changes.get().changes == {"name": "Shared shop 2"}


def test_staff_can_delete_a_maker_in_the_admin(client, alice, workspace, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "root-admin", "root@example.org", "pw-pw-pw-1"
    )
    client.force_login(admin)
    page = client.get(f"/admin/stakeholders/user/{alice.pk}/delete/")
    assert page.status_code == 200
    assert "protected" not in page.content.decode().lower()
    response = client.post(f"/admin/stakeholders/user/{alice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
