"""Scheduled and background work for Standards and Principles. Thin: ids in, services do
the work. Add to CELERY_BEAT_SCHEDULE (see the app's README section in the report):
publish_scheduled_editions every minute, render_missing_pdfs every ten minutes and
send_review_reminders daily."""

from __future__ import annotations

from celery import shared_task

from . import services
from .models import Edition


@shared_task(acks_late=True)
def render_edition_pdf(edition_id: int) -> None:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is not None and edition.is_public:
        services.edition_pdf_render(edition=edition)


@shared_task(acks_late=True)
def publish_scheduled_editions() -> list[int]:
    return services.editions_publish_due()


@shared_task(acks_late=True)
def render_missing_pdfs() -> list[int]:
    """A sweep for PDFs whose task was lost (e.g. the broker was down at publication)."""
    missing = services.editions_missing_pdfs()
    for edition_id in missing:
        render_edition_pdf.delay(edition_id)
    return missing


@shared_task(acks_late=True)
def send_review_reminders() -> list[int]:
    return services.documents_remind_review()
