from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions collected"

    def ready(self):
        # Registered on import: the sections of /me/subscription/ (how you pay; what you owe
        # and the final collection), the dashboard's next step and the confirmation email
        # task. Then the resignation hooks and the data download's "payments" part.
        from . import exports, leaving, mandate_emails, pay_sections, sections  # noqa: F401

        leaving.register()
        exports.register()
