from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    label = "events"
    verbose_name = "Events and booking"

    def ready(self):
        from portal.communications.notifications import register_notification_attachments

        from . import member_data  # noqa: F401  (the member's part of the data download)
        from .ics import notification_attachments

        register_notification_attachments("event_booking_", notification_attachments)
