from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Members and accounts"

    def ready(self):
        from . import exports  # noqa: F401  (registers the account's own data export)
