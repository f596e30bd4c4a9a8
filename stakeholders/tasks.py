"""Celery entry points for stakeholders: emails about workspaces, and the freshness sweep."""

from celery import shared_task

from stakeholders.notifications import event_notify, events_unsent, moderation_digest
from stakeholders.services import workspaces_remind
from stakeholders.uploads import registration_uploads_purge


@shared_task(bind=True, acks_late=True, max_retries=5)
def notify_event(self, event_id: int) -> bool:
    try:
        return event_notify(event_id=event_id)
    except OSError as exc:  # the mail server is away: try again later
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 30, 3600)) from exc


@shared_task
def remind_unconfirmed_workspaces() -> int:
    return workspaces_remind()


@shared_task
def notify_unsent_events() -> int:
    """Send again what a broker outage kept from going out (events are claimed once)."""
    ids = events_unsent()
    for event_id in ids:
        notify_event.delay(event_id)
    return len(ids)


@shared_task
def email_moderation_digest() -> int:
    return moderation_digest()


@shared_task
def purge_abandoned_registrations() -> int:
    return registration_uploads_purge()
