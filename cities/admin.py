from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from cities.layers import tiled_layers
from cities.models import City, Dataset, District, Job, Sector
from cities.tile_versions import bump_layer_version


@admin.register(Dataset)
class DatasetAdmin(TranslationAdmin):
    list_display = ["name", "publisher", "quality", "licence", "imported_at"]
    list_filter = ["quality"]
    search_fields = ["name", "publisher"]
    prepopulated_fields = {"slug": ["name_en"]}


# Geometries are not edited here: GeoDjango's map widget loads OpenLayers from a
# CDN with an inline script, which the Content-Security-Policy forbids. They
# arrive through the demo loader now and the GIS import pipeline later.


@admin.register(City)
class CityAdmin(TranslationAdmin):
    list_display = ["name", "slug", "country", "area_km2", "dataset"]
    list_select_related = ["dataset"]
    readonly_fields = ["area_km2"]
    exclude = ["outline"]

    # Deleting a city takes its districts, sites and land with it: redraw them all.
    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        for layer in tiled_layers():
            bump_layer_version(layer)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        for layer in tiled_layers():
            bump_layer_version(layer)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "area_km2", "dataset"]
    list_filter = ["city"]
    list_select_related = ["city", "dataset"]
    search_fields = ["name", "local_names"]
    readonly_fields = ["area_km2"]
    exclude = ["geom"]

    # District names are drawn in the district tiles: new names, new tiles.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        bump_layer_version("districts")

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        bump_layer_version("districts")

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        bump_layer_version("districts")


@admin.register(Sector)
class SectorAdmin(TranslationAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are created by the portal and changed only by their workers."""

    list_display = ["id", "kind", "city", "status", "progress", "message", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["city"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
