"""Organisations: admins invite by email; only the invited address can accept."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from stakeholders.models import Invitation, Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(city, olivia):
    office = Organisation.objects.get(slug="testville-office")
    Membership.objects.filter(user=olivia).update(role="admin")
    return office


def invite(client, olivia, office, email="bob@example.org"):
    client.force_login(olivia)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/organisations/{office.slug}/", {"email": email, "role": "member"})
    assert response.status_code == 302
    return re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)


def test_an_admin_invites_and_the_invited_person_joins(client, office, olivia, bob):
    link = invite(client, olivia, office)
    assert mail.outbox[-1].to == ["bob@example.org"]
    client.force_login(bob)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert Membership.objects.get(organisation=office, user=bob).role == "member"
    # Bob is now an official of the city: he sees its dashboard.
    assert client.get(f"/dashboard/city/{office.city.slug}/").status_code == 200


def test_a_forwarded_invitation_does_not_make_someone_else_a_member(client, office, olivia, alice):
    link = invite(client, olivia, office, email="bob@example.org")
    client.force_login(alice)
    assert client.post(link).status_code == 400
    assert not Membership.objects.filter(organisation=office, user=alice).exists()


def test_an_expired_invitation_is_refused(client, office, olivia, bob):
    link = invite(client, olivia, office)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(bob)
    assert client.post(link).status_code == 400
    assert not Membership.objects.filter(organisation=office, user=bob).exists()


def test_only_the_token_digest_is_stored(client, office, olivia):
    link = invite(client, olivia, office)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_digest=token).exists()
    assert client.get("/invitations/not-a-token/").status_code == 404


def test_members_cannot_invite_and_outsiders_cannot_see_the_members(client, office, bob, pat):
    Membership.objects.create(organisation=office, user=bob, role="member")
    client.force_login(bob)
    response = client.post(f"/organisations/{office.slug}/", {"email": "x@example.org",
                                                              "role": "admin"})  # fmt: skip
    assert response.status_code == 403
    assert not office.invitations.exists()
    client.force_login(pat)
    assert client.get(f"/organisations/{office.slug}/").status_code == 404


def test_the_last_admin_cannot_leave(client, office, olivia):
    membership = Membership.objects.get(user=olivia)
    client.force_login(olivia)
    client.post(f"/organisations/{office.slug}/members/{membership.pk}/remove/")
    assert Membership.objects.filter(pk=membership.pk).exists()
