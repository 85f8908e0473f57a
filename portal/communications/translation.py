"""A communication's Welsh subject and body (django-modeltranslation). A member who chose
Welsh gets the Welsh one; English when no Welsh is written."""

from modeltranslation.translator import TranslationOptions, register

from .models import Communication


@register(Communication)
class CommunicationTranslation(TranslationOptions):
    fields = ("subject", "body")
