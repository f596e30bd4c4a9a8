"""Organisations' memberships: admins invite people by email; the invited accept with a link."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stakeholders.models import Invitation, Membership, Organisation, User

INVITATION_LIFETIME = timedelta(days=14)


def secret_digest(secret: str) -> str:
    """What is stored of a random secret (an invitation link's, an API token): its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_organisation_admin(user, organisation: Organisation) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or organisation.memberships.filter(user=user, role=Membership.Role.ADMIN).exists()
    )


@transaction.atomic
def invitation_create(*, organisation: Organisation, by: User, email: str, role: str) -> str:
    """Invite someone; returns the link's token (only its digest is stored)."""
    if not is_organisation_admin(by, organisation):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    email = email.strip()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(_("This person is already a member."))
    # A new invitation to the same address replaces the open one.
    organisation.invitations.filter(email__iexact=email, accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_digest=secret_digest(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = settings.PORTAL_BASE_URL + reverse("invitation", args=[token])
    with translation.override(by.preferred_language or translation.get_language()):
        context = {"organisation": organisation, "by": by, "link": link, "role": role}
        subject = _("Invitation to join %(name)s") % {"name": organisation.name}
        body = render_to_string("stakeholders/email/invitation_message.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return token


def invitation_for(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_digest=secret_digest(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the organisation, if the link is open and was sent to one of the user's
    verified addresses (a forwarded link does not make someone else a member)."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_digest=secret_digest(token)).first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise PermissionDenied(_("This invitation was sent to another email address than yours."))
    membership, _created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    organisation = membership.organisation
    if not (membership.user_id == by.pk or is_organisation_admin(by, organisation)):
        raise PermissionDenied
    # Locked: two admins removing each other at once must not leave none.
    admins = list(organisation.memberships.select_for_update().filter(role=Membership.Role.ADMIN))
    if membership.role == Membership.Role.ADMIN and len(admins) == 1:
        raise ValidationError(_("An organisation keeps at least one administrator."))
    membership.delete()
