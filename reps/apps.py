from django.apps import AppConfig


class RepsConfig(AppConfig):
    name = "reps"
    label = "reps"
    verbose_name = "Reps and workplaces"

    def ready(self):
        from . import member_data  # noqa: F401  (dashboard panels, data export, join invites)
