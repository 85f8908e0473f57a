from django.apps import AppConfig


class BallotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ballots"
    verbose_name = "Ballots and surveys"

    def ready(self):
        from . import member_data, tasks  # noqa: F401  (the data export; tasks queued by name)
