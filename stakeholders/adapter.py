"""allauth, adapted: the per-account lock-out counts failures per account."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """allauth keys the lock-out on the identifier as typed, so an account's username
        and its email address would each get their own five guesses. The key is the
        account itself when the identifier names one (the typed text otherwise, so that
        guesses at unknown names are limited too)."""
        typed = str(credentials.get("email", credentials.get("username", ""))).strip()
        account = account_named(typed)
        if account is not None:
            return f"account:{account}"
        return super()._get_login_attempts_cache_key(request, **credentials)


def account_named(identifier: str) -> int | None:
    """The id of the account this username or email address names, if one does."""
    if not identifier:
        return None
    User = get_user_model()
    query = Q(username__iexact=identifier)
    if "@" in identifier:
        query |= Q(email__iexact=identifier) | Q(emailaddress__email__iexact=identifier)
    return User.objects.filter(query).values_list("pk", flat=True).order_by("pk").first()
