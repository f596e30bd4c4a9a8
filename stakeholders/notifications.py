"""Emails to a workspace's maker about what happened to it, in their language."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
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
