"""Toolkit fields shown to readers in English, French and Dutch (English is the fallback)."""

from modeltranslation.translator import TranslationOptions, register

from toolkit.models import CaseStudy, Theme, Tool


@register(Tool)
class ToolTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(CaseStudy)
class CaseStudyTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name", "description")
