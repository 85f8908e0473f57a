from celery import shared_task

from . import services


@shared_task
def refresh_case_flags():
    """Urgency, overdue flags and reminders (Celery beat, daily and hourly)."""
    return services.cases_refresh_flags()


@shared_task
def apply_case_retention():
    """Remove personal content from cases closed longer than the retention period."""
    return services.cases_apply_retention()
