from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "portal.communications"
    label = "communications"
    verbose_name = "Member communications"
