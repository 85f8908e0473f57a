from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions collected"

    def ready(self):
        # Collections, arrears and leaving: the resignation hooks and the arrears section
        # of /me/subscription/.
        from . import leaving, pay_sections  # noqa: F401  (registers the section)

        leaving.register()
