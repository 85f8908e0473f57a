from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Membership and subscriptions"

    def ready(self):
        from portal.accounts import fees

        from . import dashboard, exports, selectors, services  # noqa: F401  (registers the panel)

        exports.register()

        fees.register_rate_source(selectors.monthly_rates)
        fees.register_change_listener(services.membership_record_field_changes)
