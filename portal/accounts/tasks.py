"""Background work about members. Thin: ids in, the services do the work."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def data_export_build(export_id: int) -> bool:
    """Prepare a member's data download (the ZIP), for accounts too large to wait for."""
    return services.data_export_build(export_id=export_id)


@shared_task(acks_late=True)
def data_exports_sweep() -> dict:
    """Delete expired downloads and queue again requests whose task was lost."""
    return services.data_exports_sweep()
