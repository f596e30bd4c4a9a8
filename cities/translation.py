"""Model fields shown to readers in English, French and Dutch (English is the fallback)."""

from modeltranslation.translator import TranslationOptions, register

from cities.models import City, ContextLayer, Dataset, MaterialCategory, Sector


@register(City)
class CityTranslation(TranslationOptions):
    fields = ("name", "short_name", "summary")


@register(Sector)
class SectorTranslation(TranslationOptions):
    fields = ("name",)


@register(Dataset)
class DatasetTranslation(TranslationOptions):
    fields = ("name", "description")


@register(MaterialCategory)
class MaterialCategoryTranslation(TranslationOptions):
    fields = ("name",)


@register(ContextLayer)
class ContextLayerTranslation(TranslationOptions):
    fields = ("name",)
