from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "portal.communications"
    label = "communications"
    verbose_name = "Member communications"

    def ready(self):
        from . import exports  # noqa: F401  (registers what a member was sent in /me/data/)
