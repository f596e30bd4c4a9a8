from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from stakeholders.accounts import account_delete
from stakeholders.models import (
    ApiToken,
    ApiWrite,
    Invitation,
    Machine,
    Membership,
    ModerationEvent,
    Organisation,
    PartnerDataset,
    Process,
    User,
    Workspace,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (None, {"fields": ("preferred_language",)}),
    )
    inlines = [MembershipInline]

    # Deleting someone here does what deleting their own account does: workspaces are
    # handed to their organisation or removed, and history forgets them.
    def delete_model(self, request, obj) -> None:
        account_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            account_delete(user=user)

    def get_deleted_objects(self, objs, request):
        # Workspaces protect their owner from a plain delete; account_delete hands them on
        # or removes them first, so they do not block this one.
        deleted, counts, perms_needed, _protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, []


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "api_requests_per_minute"]
    list_filter = ["kind", "city"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made on the organisation's page (the secret is shown there, once); here
    staff see them and may revoke one by setting its revocation time."""

    list_display = ["name", "prefix", "organisation", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    fields = ["organisation", "name", "prefix", "scopes", "note", "created_by", "created_at",
              "expires_at", "last_used_at", "last_used_ip", "revoked_at", "revoked_by"]  # fmt: skip
    readonly_fields = [f for f in fields if f not in ("note", "revoked_at")]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PartnerDataset)
class PartnerDatasetAdmin(admin.ModelAdmin):
    list_display = ["dataset", "organisation", "city", "created_at"]
    list_filter = ["organisation", "city"]
    raw_id_fields = ["dataset"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(ApiWrite)
class ApiWriteAdmin(admin.ModelAdmin):
    """The audit of token writes: read only."""

    list_display = ["at", "organisation", "token_label", "dataset_slug", "kind", "received"]
    list_filter = ["organisation", "kind"]
    search_fields = ["token_label", "dataset_slug", "idempotency_key"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["organisation"]
    readonly_fields = ["token_digest", "invited_by", "created_at", "accepted_at"]


@admin.register(Process)
class ProcessAdmin(TranslationAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    filter_horizontal = ["complements"]


@admin.register(Machine)
class MachineAdmin(TranslationAdmin):
    list_display = ["name", "code", "process"]
    list_filter = ["process"]


class EventInline(admin.TabularInline):
    model = ModerationEvent
    fk_name = "workspace"
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    """Read-only: workspaces change through the moderation pages, which log every decision."""

    list_display = ["name", "city", "status", "owner", "last_confirmed_at", "closed_at", "review"]
    list_filter = ["status", "city", "dataset"]
    list_select_related = ["city", "owner"]
    search_fields = ["name", "slug", "owner__username", "owner__email"]
    inlines = [EventInline]
    exclude = ["location"]

    @admin.display(description=_("moderation"))
    def review(self, obj: Workspace) -> str:
        url = reverse("moderation:review", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, _("Review"))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
