"""Partner tokens on the API: `Authorization: Bearer <token>`, and what a token may do.

A token acts for its organisation, not for the person who made it: the request's user is
a `TokenUser`, with no staff rights, which sees what the public sees (and, for a city
administration's token, what that city's officials see). What it may do is its scopes:
`read` for any read; a write needs the scope the view names in `token_scopes` (for example
`{"POST": "write:sites"}`), so a view that names none takes no token writes at all, and a
view with `token_access = False` takes no token at all.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from stakeholders.models import ApiToken, Membership, Organisation
from stakeholders.tokens import token_for_secret, token_record_use


class TokenUser(AnonymousUser):
    """Who a token request is: its organisation, through the token."""

    is_moderator = is_editor = is_data_manager = False

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        self.organisation = token.organisation
        self.username = f"token:{token.prefix}"

    def __str__(self) -> str:
        return f"{self.organisation.name}: {self.token.name}"

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def memberships(self):
        """A token belongs to no organisation as a person does (no admin rights by role)."""
        return Membership.objects.none()

    @cached_property
    def official_city_ids(self) -> frozenset[int]:
        if self.organisation.kind == Organisation.Kind.CITY_ADMINISTRATION:
            return frozenset({self.organisation.city_id})
        return frozenset()


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as one word: Authorization: Bearer <token>.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = token_for_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This token expired on %(date)s: ask your organisation for a new one.")
                % {"date": token.expires_at.date().isoformat()}
            )
        token_record_use(token, request.META.get("REMOTE_ADDR"))
        return TokenUser(token), token

    def authenticate_header(self, request) -> str:
        # A 401, not a 403, for a missing or bad token; the realm names the scheme.
        return 'Bearer realm="api"'


class TokenScopes(BasePermission):
    """A token request may do what its scopes allow, where the view takes tokens."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if not getattr(view, "token_access", True):
            self.message = _("API tokens cannot be used here.")
            return False
        if request.method in SAFE_METHODS:
            needed = ApiToken.Scope.READ
        else:
            needed = (getattr(view, "token_scopes", None) or {}).get(request.method)
            if needed is None:
                self.message = _("API tokens cannot write here.")
                return False
        if needed not in token.scopes:
            self.message = _("This token lacks the scope “%(scope)s”.") % {"scope": needed}
            return False
        return True


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes partner tokens (Swagger's "Authorize" button)."""

    target_class = BearerTokenAuthentication
    name = "partnerToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner token, made on the organisation's page: "
            "`Authorization: Bearer com_…`.",
        }
