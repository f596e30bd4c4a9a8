"""Every write to a workspace: registration, edits, moderation, freshness.

Pages, the API, the admin and the Celery tasks all call these functions, so a
workspace changes in one way whatever the entry point. Each runs in one
transaction; a refused call raises and leaves nothing behind.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cities.models import City, Dataset
from stakeholders.models import (
    REMIND_AFTER,
    ModerationEvent,
    Workspace,
    WorkspaceChange,
    WorkspacePhoto,
)
from stakeholders.permissions import can_edit_workspace, can_moderate

# Edits to these fields of a published workspace wait for a moderator: every free
# text and the place a visitor trusts. The others (vocabularies, numbers, choices,
# flags) are the maker's to keep current and apply at once; so does withdrawing
# consent to show contact details.
MODERATED_FIELDS = (
    "name",
    "description",
    "city",
    "address",
    "location",
    "materials_note",
    "minimum_order",
    "website",
    "email",
    "phone",
)
M2M_FIELDS = ("sectors", "processes", "machines", "materials_used", "materials_offered")
DIRECT_FIELDS = (
    "floor_area_m2",
    "employees",
    "tenure",
    "production_runs",
    "lead_time_days",
    "works_with",
    "open_to_collaboration",
    "looking_for_space",
    "contact_public",
)
EDITABLE_FIELDS = MODERATED_FIELDS + DIRECT_FIELDS + M2M_FIELDS
MAX_PHOTOS = 6
RESERVED_SLUGS = {"register", "dashboard", "map", "near", "api", "new", "edit"}

COMMUNITY_DATASET = {
    "slug": "maker-registrations",
    "name_en": "Workspaces registered by makers",
    "name_fr": "Ateliers enregistrés par les fabricants",
    "name_nl": "Werkplaatsen geregistreerd door makers",
    "publisher": "Cities of Making portal",
    "licence": "CC-BY-4.0",
    "source": "Registered and kept current by the makers themselves; reviewed by moderators.",
    "quality": Dataset.Quality.COMMUNITY,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}


class DecisionError(ValidationError):
    """A moderation decision that does not fit the workspace's state."""


@dataclass(frozen=True)
class Photo:
    image: UploadedFile
    alt_text: str


def community_dataset() -> Dataset:
    values = {k: v for k, v in COMMUNITY_DATASET.items() if k != "slug"}
    return Dataset.objects.get_or_create(slug=COMMUNITY_DATASET["slug"], defaults=values)[0]


def _unique_slug(name: str, city: City) -> str:
    base = slugify(name)[:80].strip("-") or "workspace"
    if base in RESERVED_SLUGS:
        base = f"{base}-{city.slug}"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _event(workspace: Workspace, action: str, actor, *, reason: str = "", change=None):
    event = ModerationEvent.objects.create(
        workspace=workspace, action=action, actor=actor, reason=reason, change=change
    )
    if action in NOTIFIED_ACTIONS:
        from portal.celery import publish

        # The task (stakeholders/tasks.py) is sent by name: it calls this module, so this
        # module does not import it back. A broker outage must not fail or hold up the
        # decision: publish gives up within a second, and the sweep sends it later.
        transaction.on_commit(lambda: publish(NOTIFY_EVENT_TASK, [event.pk]))
    return event


NOTIFY_EVENT_TASK = "stakeholders.tasks.notify_event"

# The owner hears of these by email; the rest are their own doing.
NOTIFIED_ACTIONS = {
    ModerationEvent.Action.APPROVED,
    ModerationEvent.Action.REJECTED,
    ModerationEvent.Action.CHANGES_REQUESTED,
    ModerationEvent.Action.REMINDED,
}


def _set_m2m(workspace: Workspace, data: dict) -> None:
    for name in M2M_FIELDS:
        if name in data:
            getattr(workspace, name).set(data[name])


def _add_photos(workspace: Workspace, photos: Iterable[Photo], *, approved: bool) -> None:
    photos = list(photos)
    if workspace.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationError(_("A workspace can show at most %(n)d photos.") % {"n": MAX_PHOTOS})
    for photo in photos:
        WorkspacePhoto.objects.create(
            workspace=workspace, image=photo.image, alt_text=photo.alt_text, approved=approved
        )


def _consent(workspace: Workspace, contact_public: bool) -> None:
    if contact_public and not workspace.contact_public:
        workspace.contact_consent_at = timezone.now()
    elif not contact_public:
        workspace.contact_consent_at = None
    workspace.contact_public = contact_public


@transaction.atomic
def workspace_register(*, owner, data: dict, photos: Iterable[Photo] = ()) -> Workspace:
    """A maker's new workspace: saved, waiting for a moderator."""
    if not owner.is_authenticated:
        raise PermissionDenied
    fields = {name: data[name] for name in MODERATED_FIELDS + DIRECT_FIELDS if name in data}
    contact_public = fields.pop("contact_public", False)
    workspace = Workspace(
        **fields,
        owner=owner,
        dataset=community_dataset(),
        slug=_unique_slug(data["name"], data["city"]),
        status=Workspace.Status.PENDING,
    )
    _consent(workspace, contact_public)
    workspace.full_clean(exclude=["slug", "geom_3857", "search"])
    workspace.save()
    _set_m2m(workspace, data)
    _add_photos(workspace, photos, approved=False)
    _event(workspace, ModerationEvent.Action.SUBMITTED, owner)
    return workspace


def _json_value(name: str, value):
    if name == "city":
        return value.pk
    if name == "location":
        return [value.x, value.y]
    return value


def _model_value(name: str, value):
    if name == "city":
        return City.objects.get(pk=value)
    if name == "location":
        return Point(value[0], value[1], srid=4326)
    return value


def _differs(workspace: Workspace, name: str, value) -> bool:
    current = getattr(workspace, name)
    if name == "location":
        return not current.equals_exact(value, tolerance=1e-9)
    return current != value


@transaction.atomic
def workspace_update(*, workspace: Workspace, by, data: dict, photos: Iterable[Photo] = ()):
    """Apply an edit. On a published workspace, the owner's edits to MODERATED_FIELDS wait
    for a moderator (the listing keeps its current text meanwhile); moderators' edits
    apply at once. Returns the open WorkspaceChange, if the edit made or grew one."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if not can_edit_workspace(by, workspace):
        raise PermissionDenied
    moderator = can_moderate(by)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))

    held = {}
    if workspace.status == Workspace.Status.APPROVED and not moderator:
        held = {
            name: data[name]
            for name in MODERATED_FIELDS
            if name in data and _differs(workspace, name, data[name])
        }
    # Check the workspace as it will be once everything is approved, then keep the
    # held values out of the row until a moderator decides.
    kept = {name: getattr(workspace, name) for name in held}
    for name in MODERATED_FIELDS + DIRECT_FIELDS:
        if name in data:
            if name == "contact_public":
                _consent(workspace, data[name])
            else:
                setattr(workspace, name, data[name])
    workspace.full_clean(exclude=["slug", "geom_3857", "search", "owner", "organisation"])
    for name, value in kept.items():
        setattr(workspace, name, value)

    resubmitted = not moderator and workspace.status in (
        Workspace.Status.CHANGES_REQUESTED,
        Workspace.Status.REJECTED,
    )
    if resubmitted:
        workspace.status = Workspace.Status.PENDING
        workspace.submitted_at = timezone.now()
    workspace.save()
    _set_m2m(workspace, data)
    photos = list(photos)
    # A new photo on a published workspace is shown once a moderator has seen it.
    hold_photos = workspace.status == Workspace.Status.APPROVED and not moderator and photos
    _add_photos(workspace, photos, approved=moderator or not hold_photos)

    change = None
    if held or hold_photos:
        change = WorkspaceChange.objects.filter(
            workspace=workspace,
            status__in=[WorkspaceChange.Status.PENDING, WorkspaceChange.Status.CHANGES_REQUESTED],
        ).first() or WorkspaceChange(workspace=workspace)
        change.changes = {
            **change.changes,
            **{name: _json_value(name, value) for name, value in held.items()},
        }
        change.status = WorkspaceChange.Status.PENDING
        change.submitted_by = by
        change.submitted_at = timezone.now()
        change.save()
        _event(workspace, ModerationEvent.Action.CHANGES_SUBMITTED, by, change=change)
    elif resubmitted:
        _event(workspace, ModerationEvent.Action.SUBMITTED, by)
    else:
        _event(workspace, ModerationEvent.Action.EDITED, by)
    return change


def moderation_version(workspace: Workspace) -> str:
    """What a moderator is looking at: a decision on anything newer is refused."""
    change = workspace.changes.filter(status=WorkspaceChange.Status.PENDING).first()
    if change is not None:
        return f"change-{change.pk}-{change.submitted_at.isoformat()}"
    return f"workspace-{workspace.updated_at.isoformat()}"


class Decision:
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    CHOICES = (APPROVE, REJECT, REQUEST_CHANGES)


@transaction.atomic
def workspace_decide(
    *, workspace: Workspace, by, decision: str, reason: str = "", version: str | None = None
) -> None:
    """A moderator's decision on a new workspace, or on the open change to a published one.

    `version` is `moderation_version` as the moderator saw it: if the maker edited
    since, the decision is refused rather than cover what nobody reviewed.
    """
    if not can_moderate(by):
        raise PermissionDenied
    if decision not in Decision.CHOICES:
        raise DecisionError(_("Unknown decision."))
    reason = reason.strip()
    if decision != Decision.APPROVE and not reason:
        raise DecisionError(_("Say why, so that the maker knows what to do."))
    # Two moderators deciding at once: the second waits here, then sees the first's decision.
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if version is not None and version != moderation_version(workspace):
        raise DecisionError(
            _("The maker changed this workspace after you opened it. Review it again.")
        )
    now = timezone.now()
    action = {
        Decision.APPROVE: ModerationEvent.Action.APPROVED,
        Decision.REJECT: ModerationEvent.Action.REJECTED,
        Decision.REQUEST_CHANGES: ModerationEvent.Action.CHANGES_REQUESTED,
    }[decision]

    if workspace.status == Workspace.Status.PENDING:
        workspace.status = {
            Decision.APPROVE: Workspace.Status.APPROVED,
            Decision.REJECT: Workspace.Status.REJECTED,
            Decision.REQUEST_CHANGES: Workspace.Status.CHANGES_REQUESTED,
        }[decision]
        workspace.decided_at = now
        if decision == Decision.APPROVE:
            workspace.last_confirmed_at = now
            workspace.reminded_at = None
            workspace.photos.update(approved=True)
        workspace.save()
        _event(workspace, action, by, reason=reason)
        return

    change = workspace.changes.filter(status=WorkspaceChange.Status.PENDING).first()
    if workspace.status != Workspace.Status.APPROVED or change is None:
        raise DecisionError(_("There is nothing waiting for a decision on this workspace."))
    change.decided_at = now
    if decision == Decision.APPROVE:
        for name, value in change.changes.items():
            setattr(workspace, name, _model_value(name, value))
        try:
            workspace.full_clean(exclude=["slug", "geom_3857", "search", "owner", "organisation"])
        except ValidationError as exc:  # e.g. the city's outline changed since
            raise DecisionError(
                _("These changes no longer fit the workspace: %s") % " ".join(exc.messages)
            ) from None
        workspace.last_confirmed_at = now
        workspace.save()
        workspace.photos.update(approved=True)
        change.status = WorkspaceChange.Status.APPROVED
    elif decision == Decision.REJECT:
        change.status = WorkspaceChange.Status.REJECTED
        for photo in workspace.photos.filter(approved=False):
            photo.image.delete(save=False)
            photo.delete()
    else:
        change.status = WorkspaceChange.Status.CHANGES_REQUESTED
    change.save()
    _event(workspace, action, by, reason=reason, change=change)


@transaction.atomic
def workspace_confirm(*, workspace: Workspace, by) -> None:
    """The maker says the listing is still right: it is fresh for another year."""
    if not can_edit_workspace(by, workspace):
        raise PermissionDenied
    Workspace.objects.filter(pk=workspace.pk).update(
        last_confirmed_at=timezone.now(), reminded_at=None
    )
    _event(workspace, ModerationEvent.Action.CONFIRMED, by)


@transaction.atomic
def workspace_set_closed(*, workspace: Workspace, by, closed: bool) -> None:
    if not can_edit_workspace(by, workspace):
        raise PermissionDenied
    changed = Workspace.objects.filter(pk=workspace.pk, closed_at__isnull=closed).update(
        closed_at=timezone.now() if closed else None
    )
    if changed:
        action = ModerationEvent.Action.CLOSED if closed else ModerationEvent.Action.REOPENED
        _event(workspace, action, by)


@transaction.atomic
def workspace_photo_delete(*, photo: WorkspacePhoto, by) -> None:
    if not can_edit_workspace(by, photo.workspace):
        raise PermissionDenied
    photo.image.delete(save=False)
    photo.delete()


def workspaces_remind(*, now: datetime | None = None) -> int:
    """Flag every published workspace unconfirmed for a year, once, and email its maker.

    The conditional update claims each workspace, so two overlapping sweeps
    cannot remind anyone twice.
    """
    now = now or timezone.now()
    due = Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - REMIND_AFTER)
    with transaction.atomic():
        ids = list(
            Workspace.objects.filter(
                due,
                status=Workspace.Status.APPROVED,
                closed_at__isnull=True,
                last_confirmed_at__lt=now - REMIND_AFTER,
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Workspace.objects.filter(pk__in=ids).update(reminded_at=now)
        for workspace in Workspace.objects.filter(pk__in=ids):
            _event(workspace, ModerationEvent.Action.REMINDED, None)
    return len(ids)
