from celery import shared_task

from . import complaints, services


@shared_task
def refresh_case_flags():
    """Urgency, overdue flags and reminders (Celery beat, daily and hourly)."""
    return services.cases_refresh_flags()


@shared_task
def apply_case_retention():
    """Remove personal content from cases closed longer than the retention period."""
    return services.cases_apply_retention()


@shared_task
def send_deadline_reminders():
    """Tribunal limits 28, 14 and 7 days ahead, follow-ups on their day: each once."""
    return services.deadlines_send_reminders()


@shared_task
def flag_overdue_complaints():
    """Tell the managers, once per deadline, of complaints not acknowledged or answered."""
    return complaints.complaints_flag_overdue()
