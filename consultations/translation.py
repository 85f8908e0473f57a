"""Welsh wording of a consultation, its sections, questions and options
(django-modeltranslation). Answers are kept as given, with the language they were given in
(`Response.language`). Empty Welsh: English is shown."""

from modeltranslation.translator import TranslationOptions, register

from .models import Consultation, Question, QuestionSection


@register(Consultation)
class ConsultationTranslation(TranslationOptions):
    fields = ("title", "summary", "background")


@register(QuestionSection)
class QuestionSectionTranslation(TranslationOptions):
    fields = ("title", "intro")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "help_text", "options", "scale_min_label", "scale_max_label")
