from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self):
        from . import member_data  # noqa: F401  (dashboard panel and data export)
