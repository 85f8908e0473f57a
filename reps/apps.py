from django.apps import AppConfig


class RepsConfig(AppConfig):
    name = "reps"
    label = "reps"
    verbose_name = "Reps and workplaces"

    def ready(self):
        from . import member_data  # noqa: F401  (dashboard panels, data export, join invites)

        try:
            from events.services import register_attendance_listener
        except ImportError:  # a deployment without events: nothing to listen to
            return
        from .services import rep_training_from_event

        register_attendance_listener(rep_training_from_event)
