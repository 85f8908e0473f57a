from celery import shared_task

from . import services


@shared_task
def run_due():
    """Life events and resignations whose day has come, and notices of coming rate changes
    (Celery beat, hourly; every part is idempotent)."""
    return services.memberships_run_due()


@shared_task
def send_rate_notices():
    """Notices of coming rate changes, at once (after a bulk change in the admin)."""
    return services.rate_notices_send()
