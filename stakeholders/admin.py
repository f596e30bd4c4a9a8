from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from stakeholders.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (None, {"fields": ("preferred_language",)}),
    )
