"""A person's own data: everything we hold about them as JSON, and deleting their account."""

from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone

from stakeholders.models import (
    Invitation,
    ModerationEvent,
    Organisation,
    User,
    Workspace,
    WorkspaceChange,
)

# Personal data a change may carry; scrubbed when its author leaves.
PERSONAL_CHANGE_FIELDS = ("email", "phone")


def _workspace_data(workspace: Workspace) -> dict:
    return {
        "slug": workspace.slug,
        "name": workspace.name,
        "description": workspace.description,
        "city": workspace.city.slug,
        "address": workspace.address,
        "location": {"longitude": workspace.location.x, "latitude": workspace.location.y},
        "sectors": [s.code for s in workspace.sectors.all()],
        "processes": [p.code for p in workspace.processes.all()],
        "machines": [m.code for m in workspace.machines.all()],
        "materials_used": [m.code for m in workspace.materials_used.all()],
        "materials_offered": [m.code for m in workspace.materials_offered.all()],
        "materials_note": workspace.materials_note,
        "floor_area_m2": workspace.floor_area_m2,
        "employees": workspace.employees,
        "tenure": workspace.tenure,
        "production_runs": workspace.production_runs,
        "minimum_order": workspace.minimum_order,
        "lead_time_days": workspace.lead_time_days,
        "works_with": workspace.works_with,
        "open_to_collaboration": workspace.open_to_collaboration,
        "looking_for_space": workspace.looking_for_space,
        "website": workspace.website,
        "email": workspace.email,
        "phone": workspace.phone,
        "contact_public": workspace.contact_public,
        "contact_consent_at": workspace.contact_consent_at,
        "status": workspace.status,
        "submitted_at": workspace.submitted_at,
        "last_confirmed_at": workspace.last_confirmed_at,
        "closed_at": workspace.closed_at,
        "photos": [
            {"file": photo.image.name, "alt_text": photo.alt_text}
            for photo in workspace.photos.all()
        ],
        "pending_changes": [
            {"changes": c.changes, "status": c.status, "submitted_at": c.submitted_at}
            for c in workspace.changes.all()
        ],
        "history": [
            {
                "action": e.action,
                "reason": e.reason,
                "at": e.created_at,
                "by_you": e.actor_id == workspace.owner_id,
            }
            for e in workspace.events.all()
        ],
    }


def account_export(*, user: User) -> dict:
    """Everything the portal holds about this person, for them to download."""
    workspaces = (
        Workspace.objects.filter(owner=user)
        .select_related("city")
        .prefetch_related(
            "sectors",
            "processes",
            "machines",
            "materials_used",
            "materials_offered",
            "photos",
            "changes",
            "events",
        )
    )
    return {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in user.emailaddress_set.all()
            ],
            "groups": sorted(user.group_names),
        },
        "organisations": [
            {"organisation": m.organisation.name, "kind": m.organisation.kind, "role": m.role}
            for m in user.memberships.select_related("organisation")
        ],
        "workspaces": [_workspace_data(w) for w in workspaces],
        "actions_in_workspace_histories": ModerationEvent.objects.filter(actor=user).count(),
    }


def heir_organisation(user: User) -> Organisation | None:
    """Where a leaving maker's workspaces go: a maker collective they belong to first,
    then any other organisation of theirs, by name."""
    membership = (
        user.memberships.select_related("organisation")
        .order_by(
            Case(When(organisation__kind=Organisation.Kind.MAKER_COLLECTIVE, then=0), default=1),
            "organisation__name",
        )
        .first()
    )
    return membership.organisation if membership else None


def _scrub(change: WorkspaceChange) -> None:
    change.changes = {k: v for k, v in change.changes.items() if k not in PERSONAL_CHANGE_FIELDS}
    change.submitted_by = None
    change.save(update_fields=["changes", "submitted_by"])


@transaction.atomic
def account_delete(*, user: User) -> dict:
    """Delete the account. Each workspace goes with it, unless it already belongs to an
    organisation (it stays there) or its owner belongs to one (it is handed to it). History
    rows keep what happened but no longer who did it, and personal details in changes
    waiting for review are removed."""
    heir = heir_organisation(user)
    handed, removed = 0, 0
    for workspace in Workspace.objects.select_for_update().filter(owner=user):
        for change in workspace.changes.all():
            _scrub(change)
        organisation = workspace.organisation or heir
        if organisation is not None:
            workspace.owner = None
            workspace.organisation = organisation
            # The maker's own contact details leave with them.
            workspace.email = ""
            workspace.phone = ""
            workspace.contact_public = False
            workspace.contact_consent_at = None
            workspace.save()
            ModerationEvent.objects.create(
                workspace=workspace, action=ModerationEvent.Action.HANDED_OVER
            )
            handed += 1
        else:
            for photo in workspace.photos.all():
                photo.image.delete(save=False)
            workspace.delete()
            removed += 1
    # Purge the person from history tables: no author, and no contact details they typed
    # (also in changes to other workspaces, e.g. their organisation's).
    for change in WorkspaceChange.objects.filter(submitted_by=user):
        _scrub(change)
    ModerationEvent.objects.filter(actor=user).update(actor=None)
    Invitation.objects.filter(invited_by=user).update(invited_by=None)
    addresses = {user.email.lower(), *(a.email.lower() for a in user.emailaddress_set.all())}
    for address in addresses - {""}:
        Invitation.objects.filter(email__iexact=address).delete()
    # django-reversion's revisions (staff edits to the toolkit) keep the edit, not the editor.
    from reversion.models import Revision

    Revision.objects.filter(user=user).update(user=None)
    user.delete()  # e-mail addresses, memberships, feedback and sessions go with the row
    return {"handed_over": handed, "removed": removed, "organisation": heir}
