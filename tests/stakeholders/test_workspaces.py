"""Registering, editing and moderating workspaces; freshness reminders; emails."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cities.models import MaterialCategory
from stakeholders.models import ModerationEvent, Process, Workspace, WorkspaceChange
from stakeholders.notifications import event_notify
from stakeholders.services import (
    Decision,
    DecisionError,
    workspace_confirm,
    workspace_decide,
    workspace_register,
    workspace_set_closed,
    workspace_update,
    workspaces_remind,
)
from tests.personas import X, Y

pytestmark = pytest.mark.django_db


def registration(city, **extra):
    return {
        "name": "Canal Joinery",
        "description": "Furniture from reclaimed oak.",
        "city": city,
        "address": "3 Quay",
        "location": Point(X + 0.1, Y + 0.1, srid=4326),
        "processes": Process.objects.filter(code="woodworking"),
        "materials_used": MaterialCategory.objects.filter(code="wood"),
        "contact_public": True,
        **extra,
    }


def test_a_new_workspace_waits_for_a_moderator_and_its_history_says_so(alice, city):
    workspace = workspace_register(owner=alice, data=registration(city))
    assert workspace.status == Workspace.Status.PENDING
    assert workspace.slug == "canal-joinery"
    assert workspace.dataset.quality == "community"
    assert workspace.contact_consent_at is not None
    assert [p.code for p in workspace.processes.all()] == ["woodworking"]
    event = workspace.events.get()
    assert (event.action, event.actor) == ("submitted", alice)


def test_a_pin_far_outside_the_city_is_refused_and_nothing_is_written(alice, city):
    with pytest.raises(ValidationError) as error:
        workspace_register(
            owner=alice, data=registration(city, location=Point(4.35, 50.85, srid=4326))
        )
    assert "location" in error.value.message_dict
    assert not Workspace.objects.filter(name="Canal Joinery").exists()


def test_slugs_stay_unique_and_avoid_the_directory_own_addresses(alice, city):
    first = workspace_register(owner=alice, data=registration(city, name="Register"))
    second = workspace_register(owner=alice, data=registration(city, name="Register"))
    assert first.slug == "register-testville"
    assert second.slug == "register-testville-2"


def test_approval_publishes_and_emails_the_maker_once(
    pending, mona, django_capture_on_commit_callbacks
):
    workspace_decide(workspace=pending, by=mona, decision=Decision.APPROVE)
    pending.refresh_from_db()
    assert pending.status == Workspace.Status.APPROVED
    event = pending.events.get(action="approved")
    assert event.actor == mona
    assert event_notify(event_id=event.pk) is True
    assert event_notify(event_id=event.pk) is False  # claimed: never twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "approved" in mail.outbox[0].subject


def test_a_rejection_needs_a_reason_which_the_maker_reads(pending, mona):
    with pytest.raises(DecisionError):
        workspace_decide(workspace=pending, by=mona, decision=Decision.REJECT, reason=" ")
    pending.refresh_from_db()
    assert pending.status == Workspace.Status.PENDING

    workspace_decide(workspace=pending, by=mona, decision=Decision.REJECT, reason="Not a workshop.")
    event = pending.events.get(action="rejected")
    event_notify(event_id=event.pk)
    assert "Not a workshop." in mail.outbox[0].body


def test_the_email_is_in_the_makers_language(pending, mona, alice):
    alice.preferred_language = "fr"
    alice.save()
    workspace_decide(workspace=pending, by=mona, decision=Decision.APPROVE)
    event_notify(event_id=pending.events.get(action="approved").pk)
    assert "approuvé" in mail.outbox[0].subject


def test_after_changes_are_requested_an_edit_sends_it_back_to_the_queue(pending, mona, alice):
    workspace_decide(
        workspace=pending, by=mona, decision=Decision.REQUEST_CHANGES, reason="Add photos."
    )
    pending.refresh_from_db()
    assert pending.status == Workspace.Status.CHANGES_REQUESTED
    workspace_update(workspace=pending, by=alice, data={"description": "Now with more detail."})
    pending.refresh_from_db()
    assert pending.status == Workspace.Status.PENDING
    assert pending.description == "Now with more detail."


def test_an_edit_to_a_published_workspace_waits_but_vocabularies_apply_at_once(workspace, alice):
    change = workspace_update(
        workspace=workspace,
        by=alice,
        data={"name": "Alice's big lathe shop", "employees": 7},
    )
    workspace.refresh_from_db()
    assert workspace.name == "Alice's lathe shop"  # the listing keeps its text meanwhile
    assert workspace.employees == 7
    assert change.changes == {"name": "Alice's big lathe shop"}
    assert workspace.status == Workspace.Status.APPROVED


def test_approving_a_change_applies_it_and_rejecting_one_keeps_the_listing(workspace, alice, mona):
    workspace_update(workspace=workspace, by=alice, data={"name": "New name"})
    workspace_decide(workspace=workspace, by=mona, decision=Decision.APPROVE)
    workspace.refresh_from_db()
    assert workspace.name == "New name"
    assert workspace.changes.get().status == WorkspaceChange.Status.APPROVED

    workspace_update(workspace=workspace, by=alice, data={"name": "Spam spam"})
    workspace_decide(workspace=workspace, by=mona, decision=Decision.REJECT, reason="No.")
    workspace.refresh_from_db()
    assert workspace.name == "New name"


def test_two_edits_before_a_decision_make_one_change(workspace, alice):
    workspace_update(workspace=workspace, by=alice, data={"name": "One"})
    workspace_update(workspace=workspace, by=alice, data={"address": "2 Other Street"})
    change = workspace.changes.get()
    assert change.changes == {"name": "One", "address": "2 Other Street"}


def test_withdrawing_consent_hides_contact_details_at_once(workspace, alice):
    workspace.contact_public = True
    workspace.save()
    workspace_update(workspace=workspace, by=alice, data={"contact_public": False})
    workspace.refresh_from_db()
    assert workspace.contact_public is False
    assert workspace.contact_consent_at is None


def test_a_moderators_edit_applies_at_once(workspace, mona):
    assert workspace_update(workspace=workspace, by=mona, data={"name": "Fixed typo"}) is None
    workspace.refresh_from_db()
    assert workspace.name == "Fixed typo"


def test_nobody_else_edits_and_a_maker_cannot_decide(workspace, bob, olivia, alice):
    for person in (bob, olivia):
        with pytest.raises(PermissionDenied):
            workspace_update(workspace=workspace, by=person, data={"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        workspace_decide(workspace=workspace, by=alice, decision=Decision.APPROVE)
    workspace.refresh_from_db()
    assert workspace.name == "Alice's lathe shop"


def test_fields_outside_the_form_cannot_be_set_through_the_service(workspace, alice, bob):
    with pytest.raises(ValidationError):
        workspace_update(workspace=workspace, by=alice, data={"owner": bob, "status": "approved"})
    workspace.refresh_from_db()
    assert workspace.owner == alice


def test_a_year_without_confirmation_brings_one_reminder(workspace, alice):
    Workspace.objects.filter(pk=workspace.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=370)
    )
    assert workspaces_remind() >= 1
    assert workspaces_remind() == 0  # once
    event = workspace.events.get(action=ModerationEvent.Action.REMINDED)
    event_notify(event_id=event.pk)
    assert "still up to date" in mail.outbox[0].subject

    workspace_confirm(workspace=workspace, by=alice)
    workspace.refresh_from_db()
    assert workspace.reminded_at is None
    assert not workspace.needs_confirmation


def test_fifteen_months_without_confirmation_is_stale(workspace):
    workspace.last_confirmed_at = timezone.now() - timedelta(days=460)
    assert workspace.is_stale
    workspace.last_confirmed_at = timezone.now() - timedelta(days=400)
    assert not workspace.is_stale


def test_closing_takes_a_workspace_out_of_the_directory_and_reopening_brings_it_back(
    workspace, alice
):
    workspace_set_closed(workspace=workspace, by=alice, closed=True)
    workspace.refresh_from_db()
    assert not workspace.is_listed
    workspace_set_closed(workspace=workspace, by=alice, closed=False)
    workspace.refresh_from_db()
    assert workspace.is_listed
    assert [e.action for e in workspace.events.all()] == ["reopened", "closed"]


def test_a_decision_on_what_the_maker_changed_since_is_refused(workspace, alice, mona, client):
    from stakeholders.services import moderation_version

    workspace_update(workspace=workspace, by=alice, data={"name": "Fine name"})
    seen = moderation_version(workspace)
    workspace_update(workspace=workspace, by=alice, data={"description": "SPAM SPAM"})
    client.force_login(mona)
    response = client.post(
        f"/staff/workspaces/{workspace.slug}/", {"decision": "approve", "version": seen}
    )
    assert response.status_code == 409
    assert "changed this workspace after you opened it" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.description == "Turning and milling."
    response = client.post(
        f"/staff/workspaces/{workspace.slug}/",
        {"decision": "approve", "version": moderation_version(workspace)},
    )
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert (workspace.name, workspace.description) == ("Fine name", "SPAM SPAM")


def test_free_texts_of_a_published_workspace_wait_for_a_moderator(workspace, alice):
    workspace_update(
        workspace=workspace,
        by=alice,
        data={"materials_note": "BUY PILLS at evil.example", "minimum_order": "x"},
    )
    workspace.refresh_from_db()
    assert workspace.materials_note == ""
    assert workspace.changes.get().changes == {
        "materials_note": "BUY PILLS at evil.example",
        "minimum_order": "x",
    }


def test_emails_a_broker_outage_lost_are_found_and_sent(pending, mona):
    from stakeholders.notifications import events_unsent

    workspace_decide(workspace=pending, by=mona, decision=Decision.APPROVE)
    event = pending.events.get(action="approved")
    assert events_unsent() == []  # too recent: its task may still be on its way
    ModerationEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    assert events_unsent() == [event.pk]
    event_notify(event_id=event.pk)
    assert events_unsent() == []


def test_moderators_get_a_digest_of_what_waits_and_none_when_nothing_does(pending, mona):
    from stakeholders.notifications import moderation_digest

    assert moderation_digest() >= 1
    digest = next(m for m in mail.outbox if m.to == ["mona@example.org"])
    assert "wait for moderation" in digest.subject or "waits for moderation" in digest.subject
    assert "/staff/workspaces/" in digest.body
    mail.outbox.clear()
    Workspace.objects.filter(status="pending").update(status="approved")
    WorkspaceChange.objects.filter(status="pending").update(status="approved")
    assert moderation_digest() == 0
    assert mail.outbox == []
