"""Writes to the toolkit. Each is one transaction; edits of content keep a revision."""

import reversion
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from toolkit.models import Status, Tool, ToolFeedback

# Who may move content from which status to which.
TRANSITIONS = {
    Status.DRAFT: {Status.REVIEW},
    Status.REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.DRAFT},
}


class TransitionError(ValueError):
    pass


@transaction.atomic
def feedback_save(*, tool: Tool, user, rating: int, comment: str) -> ToolFeedback:
    """One rating per person and tool: a second one replaces the first."""
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1 to 5")
    feedback, _created = ToolFeedback.objects.update_or_create(
        tool=tool, user=user, defaults={"rating": rating, "comment": comment.strip()}
    )
    return feedback


@transaction.atomic
def feedback_set_hidden(*, feedback: ToolFeedback, hidden: bool) -> ToolFeedback:
    ToolFeedback.objects.filter(pk=feedback.pk).update(hidden=hidden)
    feedback.refresh_from_db()
    return feedback


@transaction.atomic
def content_save(*, obj, user, comment: str, m2m: dict | None = None):
    """Save an edited tool, case study, plan, action or event as a new revision."""
    with reversion.create_revision():
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        reversion.set_user(user)
        reversion.set_comment(comment)
    return obj


@transaction.atomic
def content_set_status(*, obj, status: str, user):
    """Move content along draft -> in review -> published (or back to draft)."""
    if status not in TRANSITIONS.get(obj.status, set()):
        raise TransitionError(
            _("Content that is %(current)s cannot become %(new)s.")
            % {"current": obj.get_status_display(), "new": Status(status).label}
        )
    obj.status = status
    if status == Status.PUBLISHED and hasattr(obj, "published_at") and not obj.published_at:
        obj.published_at = timezone.now()
    labels = {
        Status.REVIEW: _("Sent for review"),
        Status.PUBLISHED: _("Published"),
        Status.DRAFT: _("Back to draft"),
    }
    return content_save(obj=obj, user=user, comment=str(labels[status]))


@transaction.atomic
def content_revert(*, obj, version, user):
    """Bring back an earlier version's fields (and links), as a new revision."""
    if version.object_id != str(obj.pk) or version.content_type.model_class() is not type(obj):
        raise ValueError("that version belongs to something else")
    # The content comes back; whether it is public does not: status changes go
    # through content_set_status only.
    kept = {name: getattr(obj, name) for name in ("status", "published_at") if hasattr(obj, name)}
    with reversion.create_revision():
        version.revert()
        obj.refresh_from_db()
        for name, value in kept.items():
            setattr(obj, name, value)
        obj.save()
        reversion.set_user(user)
        reversion.set_comment(
            _("Reverted to the version of %(date)s")
            % {"date": timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")}
        )
    return obj
