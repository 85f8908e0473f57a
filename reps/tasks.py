from celery import shared_task

from . import services


@shared_task(acks_late=True)
def rep_accreditation_daily():
    """Remind reps before their accreditation ends, then expire it (idempotent)."""
    return services.rep_roles_expire_and_remind()
