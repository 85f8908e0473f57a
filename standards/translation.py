"""Welsh text beside the English of each edition (django-modeltranslation): `title_cy`,
`heading_cy`, `body_cy`… An edition's Welsh text is written in the same draft, reviewed and
approved with it by a second publisher, and frozen with it. Empty Welsh: English is shown."""

from modeltranslation.translator import TranslationOptions, register

from .models import Edition, Standard


@register(Edition)
class EditionTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Standard)
class StandardTranslation(TranslationOptions):
    fields = ("heading", "body", "indicators")
