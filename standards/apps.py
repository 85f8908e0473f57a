from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    label = "standards"
    verbose_name = "Standards and Principles"

    def ready(self):
        from . import signals

        signals.connect()
