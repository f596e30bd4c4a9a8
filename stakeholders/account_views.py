"""Pages about a person: dashboards, their data, deleting the account, organisations."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cities.models import City
from stakeholders import selectors
from stakeholders.accounts import account_delete, account_export, heir_organisation
from stakeholders.forms import (
    ApiTokenForm,
    DatasetEmbargoForm,
    DeleteAccountForm,
    InvitationForm,
    PartnerDatasetForm,
)
from stakeholders.models import ApiToken, Membership, Organisation, PartnerDataset
from stakeholders.organisations import (
    invitation_accept,
    invitation_create,
    invitation_for,
    is_organisation_admin,
    membership_remove,
)
from stakeholders.partner_data import (
    dataset_embargo_set,
    organisation_writes,
    partner_dataset_create,
)
from stakeholders.permissions import can_moderate
from stakeholders.tokens import can_manage_tokens, token_create, token_revoke


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    official_cities = City.objects.filter(pk__in=user.official_city_ids).order_by("slug")
    context = {
        "workspaces": selectors.workspaces_of(user),
        "official_cities": official_cities,
        "moderation": selectors.moderation_counts() if can_moderate(user) else None,
        "memberships": user.memberships.select_related("organisation"),
    }
    return render(request, "stakeholders/dashboard.html", context)


@login_required
@require_GET
def city_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City, slug=slug)
    if not (city.pk in request.user.official_city_ids or can_moderate(request.user)):
        raise PermissionDenied
    context = {"city": city, **selectors.city_dashboard(city)}
    return render(request, "stakeholders/city_dashboard.html", context)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "stakeholders/privacy.html")


@login_required
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(account_export(user=request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="cities-of-making-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        outcome = account_delete(user=user)
        logout(request)
        if outcome["handed_over"] and outcome["organisation"] is None:
            messages.success(
                request,
                _("Your account is deleted. Your workspaces stay with their organisations."),
            )
        elif outcome["handed_over"]:
            messages.success(
                request,
                _("Your account is deleted. Your workspaces now belong to %(name)s.")
                % {"name": outcome["organisation"].name},
            )
        else:
            messages.success(request, _("Your account and your workspaces are deleted."))
        return redirect("home")
    context = {
        "form": form,
        # Workspaces that already belong to an organisation stay there.
        "workspace_count": user.workspaces.filter(organisation__isnull=True).count(),
        "heir": heir_organisation(user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "stakeholders/delete_account.html", context, status=status)


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("organisation__city").annotate(
        members=Count("organisation__memberships")
    )
    return render(request, "stakeholders/organisations.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    membership = organisation.memberships.filter(user=request.user).first()
    admin = is_organisation_admin(request.user, organisation)
    manages_tokens = can_manage_tokens(request.user, organisation)
    if membership is None and not admin and not manages_tokens:
        raise Http404  # organisations' member lists are not public
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not admin:
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation_create(
                    organisation=organisation,
                    by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                form.add_error("email", exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("organisation", slug=slug)
        else:
            status = 400
    context = {
        "organisation": organisation,
        "is_admin": admin,
        "members": organisation.memberships.select_related("user").order_by("user__username"),
        "invitations": organisation.invitations.filter(accepted_at__isnull=True) if admin else [],
        "form": form,
        "manages_tokens": manages_tokens,
        "tokens": organisation.api_tokens.select_related("created_by") if manages_tokens else [],
        "datasets": organisation.datasets.select_related("dataset", "city"),
        "writes": organisation_writes(organisation) if manages_tokens else [],
    }
    return render(request, "stakeholders/organisation_detail.html", context, status=status)


def _token_manager(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can_manage_tokens(request.user, organisation):
        raise PermissionDenied
    return organisation


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A new API token: its secret is on the answer to the POST, and on no other page."""
    organisation = _token_manager(request, slug)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = token_create(
                organisation=organisation,
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            context = {"organisation": organisation, "token": token, "secret": secret}
            return render(request, "stakeholders/token_created.html", context)
    status = 400 if request.method == "POST" else 200
    context = {"organisation": organisation, "form": form}
    return render(request, "stakeholders/token_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A new dataset of the organisation's own, which its tokens write into."""
    organisation = _token_manager(request, slug)
    form = PartnerDatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_dataset_create(organisation=organisation, by=request.user,
                                             **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The dataset “%(name)s” is ready: write into it with a token.")
                % {"name": partner.dataset.name},
            )
            return redirect(f"{organisation_url(organisation)}#datasets")
    status = 400 if request.method == "POST" else 200
    context = {"organisation": organisation, "form": form}
    return render(request, "stakeholders/dataset_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_embargo_view(request: HttpRequest, slug: str, dataset: str) -> HttpResponse:
    """Set, move or lift the embargo of one of the organisation's datasets."""
    organisation = _token_manager(request, slug)
    partner = get_object_or_404(
        PartnerDataset.objects.select_related("dataset", "city", "organisation"),
        organisation=organisation, dataset__slug=dataset,
    )  # fmt: skip
    initial = {
        "embargo_until": partner.dataset.embargo_until if partner.dataset.is_embargoed else None
    }
    form = DatasetEmbargoForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        until = form.cleaned_data["embargo_until"]
        try:
            dataset_embargo_set(partner=partner, until=until, by=request.user)
        except ValidationError as exc:
            form.add_error("embargo_until", exc)
        else:
            if until is None:
                text = _("“%(name)s” is public: everyone can see its data now.")
            else:
                text = _("“%(name)s” is under embargo until %(date)s: only your organisation "
                         "sees its data until then.")  # fmt: skip
            name = partner.dataset.name
            messages.success(request, text % {"name": name, "date": until})
            return redirect(f"{organisation_url(organisation)}#datasets")
    status = 400 if request.method == "POST" else 200
    context = {"organisation": organisation, "partner": partner, "form": form}
    return render(request, "stakeholders/dataset_embargo.html", context, status=status)


def organisation_url(organisation: Organisation) -> str:
    return reverse("organisation", args=[organisation.slug])


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _token_manager(request, slug)
    token = get_object_or_404(ApiToken, pk=pk, organisation=organisation)
    if request.method == "POST":
        token_revoke(token=token, by=request.user)
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
        return redirect("organisation", slug=slug)
    context = {"organisation": organisation, "token": token}
    return render(request, "stakeholders/token_revoke.html", context)


@login_required
@require_POST
def membership_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk, organisation__slug=slug)
    try:
        membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organisation", slug=slug)
    messages.success(request, _("Membership removed."))
    if membership.user_id == request.user.pk:
        return redirect("organisations")
    return redirect("organisation", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = invitation_for(token)
    if found is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(
                request, _("You joined %(name)s.") % {"name": membership.organisation.name}
            )
            return redirect("organisation", slug=membership.organisation.slug)
    context = {"invitation": found, "error": error}
    return render(request, "stakeholders/invitation.html", context, status=400 if error else 200)
