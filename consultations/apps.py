from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    label = "consultations"
    verbose_name = "Consultations and surveys"

    def ready(self):
        from . import member_data  # noqa: F401  (the dashboard panel and the data export)
