from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "portal.communications"
    label = "communications"
    verbose_name = "Member communications"

    def ready(self):
        from portal.accounts.notices import register_notice_sender

        from . import exports  # noqa: F401  (registers what a member was sent in /me/data/)
        from .notifications import notification_send

        # Accounts sits below communications: its notices come through this sender.
        register_notice_sender(notification_send)
