"""Whatever changes what a document's public page shows drops its kept page
(`page_cache`): the document itself, any of its editions, their standards and
good-practice examples, and an edition's kept PDF (the page shows its size)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from . import page_cache
from .models import Document, Edition, EditionPDF, GoodPracticeExample, Standard


def _slugs_of_documents(*pks) -> list[str]:
    ids = [pk for pk in pks if pk]
    if not ids:
        return []
    return list(Document.objects.filter(pk__in=ids).values_list("slug", flat=True))


def _document_slugs(instance) -> list[str]:
    if isinstance(instance, Document):
        return [instance.slug]
    if isinstance(instance, Edition):
        return _slugs_of_documents(instance.document_id)
    if isinstance(instance, Standard | EditionPDF):
        edition = Edition.objects.filter(pk=instance.edition_id).values("document_id").first()
        return _slugs_of_documents(edition and edition["document_id"])
    if isinstance(instance, GoodPracticeExample):
        document = (
            Standard.objects.filter(pk=instance.standard_id)
            .values_list("edition__document_id", flat=True)
            .first()
        )
        return _slugs_of_documents(document)
    return []


def _changed(sender, instance, **kwargs):
    page_cache.forget(*_document_slugs(instance))


def _document_renamed(sender, instance, **kwargs):
    """A document's page under its old slug goes as well."""
    if instance.pk:
        page_cache.forget(*_slugs_of_documents(instance.pk))


def _deleted(sender, instance, **kwargs):
    if isinstance(instance, Document):
        page_cache.forget(instance.slug)
    else:
        page_cache.forget(*_document_slugs(instance))


def connect() -> None:
    for model in (Document, Edition, Standard, GoodPracticeExample, EditionPDF):
        uid = f"standards.page_cache.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    pre_save.connect(_document_renamed, sender=Document, dispatch_uid="standards.page_cache.rename")
