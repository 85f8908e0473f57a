from __future__ import annotations

from celery import shared_task

from .models import Consultation


@shared_task(acks_late=True)
def send_invitations(consultation_id: int) -> int:
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return 0
    from .services import consultation_send_invitations

    return consultation_send_invitations(consultation=consultation)


@shared_task(acks_late=True)
def send_due_notifications() -> dict:
    """Run by Celery beat: invitations when a consultation opens, a reminder before it
    closes. Each goes out once per consultation however often this runs."""
    from .services import consultations_send_due_notifications

    return consultations_send_due_notifications()
