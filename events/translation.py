"""An event's Welsh title, summary and description (django-modeltranslation). Empty Welsh:
English is shown."""

from modeltranslation.translator import TranslationOptions, register

from .models import Event


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "summary", "description")
