"""The bureau's daily files, written by Celery beat (`subscriptions-bureau-files`, 16:00 on
working days). Returns ids only: a file's content holds bank details."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task
def write_bureau_files() -> list[int]:
    """AUDDIS first, then collections; nothing on a day that is not a processing day."""
    from . import bureau
    from .bacs import calendar

    today = timezone.localdate()
    if not calendar.is_processing_day(today):
        return []
    return [f.pk for f in bureau.files_write(today=today)]
