from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Membership and subscriptions"

    def ready(self):
        from portal.accounts import fees

        from . import dashboard, exports, selectors, services  # noqa: F401  (registers the panel)

        exports.register()

        from django.db.models.signals import post_delete, post_save

        from .models import FeeRate

        post_save.connect(selectors.forget_rates, sender=FeeRate, dispatch_uid="forget_rates_save")
        post_delete.connect(
            selectors.forget_rates, sender=FeeRate, dispatch_uid="forget_rates_delete"
        )

        fees.register_rate_source(selectors.monthly_rates)
        fees.register_change_listener(services.membership_record_field_changes)
