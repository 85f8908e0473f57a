from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self):
        from . import employer_panel, member_data  # noqa: F401  (dashboard, export, employer page)
