"""Vocabulary names in English, French and Dutch (English is the fallback)."""

from modeltranslation.translator import TranslationOptions, register

from stakeholders.models import Machine, Process


@register(Process)
class ProcessTranslation(TranslationOptions):
    fields = ("name",)


@register(Machine)
class MachineTranslation(TranslationOptions):
    fields = ("name",)
