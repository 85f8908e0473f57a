from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions collected"

    def ready(self):
        # The member's pages and the confirmation email task (registered on import).
        from . import exports, mandate_emails, sections  # noqa: F401

        exports.register()
