from django.apps import AppConfig


class BallotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ballots"
    verbose_name = "Ballots and surveys"

    def ready(self):
        from . import tasks  # noqa: F401  (services queue them by name)
