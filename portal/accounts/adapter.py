from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from . import services
from .models import Membership


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks: a verified email activates the membership; staff land in the admin."""

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            membership = Membership.objects.filter(user_id=email_address.user_id).first()
            if membership is not None:
                services.membership_activate(membership=membership)
        return confirmed

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_staff and not Membership.objects.filter(user=user).exists():
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("accounts:dashboard")

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The key of the per-account failed-login limit (ACCOUNT_RATE_LIMITS
        "login_failed"): the account *and* the address it is tried from. Guesses at one
        account from many addresses slow each address down; its owner, from their own
        address, is never locked out by someone else's guesses."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"
