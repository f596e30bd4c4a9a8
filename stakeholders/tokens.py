"""Partner API tokens: made by an organisation's administrators, checked on each request,
revoked at once.

A token reads `com_<prefix>_<secret>`. The prefix (8 characters) is stored in clear and
shown in lists; the whole token is stored only as its SHA-256 digest. A token acts for its
organisation, never with its creator's own rights: see portal/api_auth.py.
"""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import ApiToken, Organisation, User
from stakeholders.organisations import is_organisation_admin, secret_digest

MAX_LIFETIME = timedelta(days=366)  # "at most one year", whatever the time of day
DEFAULT_LIFETIME = timedelta(days=90)
# Writing the last use on every request would turn every read into a write: once a minute
# is enough to tell a partner when and from where a token was last seen.
LAST_USE_RESOLUTION = timedelta(minutes=1)
PREFIX = "com_"
# Partners are research groups, regional agencies and other cities.
TOKEN_HOLDERS = {
    Organisation.Kind.PARTNER,
    Organisation.Kind.RESEARCH,
    Organisation.Kind.CITY_ADMINISTRATION,
}


def can_manage_tokens(user, organisation: Organisation) -> bool:
    """The organisation's administrators, and staff."""
    if organisation.kind not in TOKEN_HOLDERS or not user.is_authenticated:
        return False
    return user.is_staff or is_organisation_admin(user, organisation)


@transaction.atomic
def token_create(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    scopes: list[str],
    expires_at,
    note: str = "",
) -> tuple[ApiToken, str]:
    """Make a token; returns it with its secret, which is not stored and not shown again."""
    if not can_manage_tokens(by, organisation):
        raise PermissionDenied
    if organisation.kind not in TOKEN_HOLDERS:
        raise ValidationError(_("Maker collectives do not hold API tokens."))
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if not scopes or unknown:
        raise ValidationError(_("Choose at least one of the listed scopes."))
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError(_("The expiry must be in the future."))
    if expires_at > now + MAX_LIFETIME:
        raise ValidationError(_("A token lasts at most one year."))
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name.strip(),
        note=note.strip(),
        scopes=sorted(set(scopes)),
        prefix=prefix,
        digest=secret_digest(secret),
        created_by=by,
        expires_at=expires_at,
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token: the next request made with it is refused (nothing is cached)."""
    if not can_manage_tokens(by, token.organisation):
        raise PermissionDenied
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def token_for_secret(secret: str) -> ApiToken | None:
    """The token a request's secret names, if it is well formed and known (active or not)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return (
        ApiToken.objects.select_related("organisation").filter(digest=secret_digest(secret)).first()
    )


def token_record_use(token: ApiToken, ip: str | None) -> None:
    """Remember when and from where the token was last used (at most once a minute)."""
    now = timezone.now()
    if (
        token.last_used_at is not None
        and now - token.last_used_at < LAST_USE_RESOLUTION
        and token.last_used_ip == ip
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
