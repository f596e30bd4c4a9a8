from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from cities.selectors import city_list
from toolkit.dimensions import DIMENSIONS


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"cities": city_list(), "dimensions": DIMENSIONS})


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Replaces the admin's own sign-in form, which would bypass allauth's rate limits and
    per-account lock-out: everyone signs in on the accounts pages.

    Staff already signed in go where they were going; a signed-in account without staff
    rights is refused (signing in again as someone else is done by signing out first).
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(target or resolve_url("admin:index"))
        raise PermissionDenied("This account has no staff rights.")
    query = urlencode({"next": target or resolve_url("admin:index")})
    return HttpResponseRedirect(f"{resolve_url('account_login')}?{query}")
