"""Emails to a workspace's maker about what happened to it, in their language."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from stakeholders.models import ModerationEvent


def _recipients(event: ModerationEvent) -> tuple[list[str], str]:
    workspace = event.workspace
    if workspace.owner is not None and workspace.owner.email:
        return [workspace.owner.email], workspace.owner.preferred_language
    if workspace.organisation is not None:
        admins = workspace.organisation.memberships.filter(role="admin").select_related("user")
        return [m.user.email for m in admins if m.user.email], ""
    return [], ""


def events_unsent(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Events whose email never left: their task was lost (a broker outage at commit)."""
    from stakeholders.services import NOTIFIED_ACTIONS

    now = timezone.now()
    return list(
        ModerationEvent.objects.filter(
            notified_at__isnull=True,
            action__in=NOTIFIED_ACTIONS,
            created_at__lt=now - older_than,
            created_at__gt=now - timedelta(days=7),
        ).values_list("pk", flat=True)[:500]
    )


def event_notify(*, event_id: int) -> bool:
    """Send the email for one event, once: the event is claimed before sending.

    Returns False when there was nothing to send (already sent, or nobody to tell).
    """
    with transaction.atomic():
        claimed = ModerationEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if not claimed:
            return False  # sent already, or the event is gone
        event = ModerationEvent.objects.select_related(
            "workspace__owner", "workspace__organisation"
        ).get(pk=event_id)
        recipients, language = _recipients(event)
        if not recipients:
            return False
        with translation.override(language or settings.LANGUAGE_CODE):
            context = {
                "event": event,
                "workspace": event.workspace,
                "dashboard_url": settings.PORTAL_BASE_URL + reverse("dashboard"),
                "workspace_url": settings.PORTAL_BASE_URL
                + reverse("stakeholders:workspace", args=[event.workspace.slug]),
            }
            subject = render_to_string("stakeholders/email/event_subject.txt", context)
            body = render_to_string("stakeholders/email/event_message.txt", context)
        # An error here rolls the claim back, so a retry sends it.
        send_mail(" ".join(subject.split()), body, None, recipients)
    return True


def moderation_digest() -> int:
    """Tell each moderator, in their language, what waits in the queue and since when.

    Sent once a day by beat, and only when something waits: makers should not wait
    for a review because nobody looked at the queue. Returns how many were emailed.
    """
    from stakeholders.models import MODERATORS, User, Workspace, WorkspaceChange

    pending = Workspace.objects.filter(status=Workspace.Status.PENDING)
    edits = WorkspaceChange.objects.filter(status=WorkspaceChange.Status.PENDING)
    counts = {"new": pending.count(), "edits": edits.count()}
    if not counts["new"] and not counts["edits"]:
        return 0
    oldest = min(
        (d for d in (pending.aggregate(m=Min("submitted_at"))["m"],
                     edits.aggregate(m=Min("submitted_at"))["m"]) if d is not None),
    )  # fmt: skip
    moderators = User.objects.filter(groups__name=MODERATORS, is_active=True).exclude(email="")
    sent = 0
    for moderator in moderators.distinct():
        with translation.override(moderator.preferred_language or settings.LANGUAGE_CODE):
            context = {
                **counts,
                "oldest": oldest,
                "queue_url": settings.PORTAL_BASE_URL + reverse("moderation:queue"),
            }
            subject = render_to_string("stakeholders/email/digest_subject.txt", context)
            body = render_to_string("stakeholders/email/digest_message.txt", context)
        send_mail(" ".join(subject.split()), body, None, [moderator.email])
        sent += 1
    return sent
