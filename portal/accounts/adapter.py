import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Membership

# Set when opening the emailed link starts a membership; the dashboard (or, in another
# browser, the login page) then welcomes the new member instead of treating them as a stranger.
WELCOME_SESSION_KEY = "portal.welcome"
WELCOMED_ALREADY = {"account/messages/email_confirmed.txt", "account/messages/logged_in.txt"}


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks: a verified email activates the membership and signs the new member in
    (in the browser they joined from); staff land in the admin."""

    # allauth's messages, in the union's words.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "The email address or the password is not right. Check both and try again."
        ),
        "too_many_login_attempts": _(
            "You have tried too many times. Wait five minutes, then try again, or reset "
            "your password."
        ),
        "rate_limited": _("You have tried too many times. Wait a minute, then try again."),
        "incorrect_code": _("That code is not right. Enter the code your app shows now."),
        "incorrect_password": _("That password is not right."),
        "enter_current_password": _("Enter your current password."),
        "invalid_or_expired_key": _("This link has expired or has been used already."),
        "unverified_primary_email": _("Confirm your email address first: open our link."),
    }

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            membership = Membership.objects.filter(user_id=email_address.user_id).first()
            if membership is not None and services.membership_activate(membership=membership):
                request.session[WELCOME_SESSION_KEY] = True
        return confirmed

    def format_email_subject(self, subject):
        return f"{settings.PORTAL_UNION_NAME}: {subject}"

    def send_mail(self, template_prefix, email, context):
        # allauth renders its emails without the request's context processors: the
        # templates under templates/account/email/ speak in the union's name.
        # In the member's chosen language; someone who has not chosen (a new member) gets
        # the language of the page they were on.
        request = allauth_context.request
        root = (
            request.build_absolute_uri("/") if request is not None else settings.SITE_URL + "/"
        ).rstrip("/")
        user = context.get("user")
        chosen = getattr(user, "language", "") if user is not None else ""
        with translation.override(chosen or translation.get_language() or settings.LANGUAGE_CODE):
            context = {
                "union_name": settings.PORTAL_UNION_NAME,
                "site_url": root + reverse("home"),
                "join_url": root + reverse("accounts:join"),
                **context,
            }
            super().send_mail(template_prefix, email, context)

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        # A new member is welcomed on the dashboard: no "confirmed" and "logged in" notes too.
        if request.session.get(WELCOME_SESSION_KEY) and message_template in WELCOMED_ALREADY:
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_staff and not Membership.objects.filter(user=user).exists():
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("accounts:dashboard")

    # --- Login limits (ACCOUNT_RATE_LIMITS, README "Login limits") ----------------------
    #
    # allauth counts failed logins per address and per key ("login_failed"); our key is the
    # account *and* the address. On top of that, "login_failed_account" counts failures at
    # one account from every address: once it is used up, only an address or a browser the
    # owner has logged in from before may still try that account.

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The key of the per-account failed-login limit (ACCOUNT_RATE_LIMITS
        "login_failed"): the account *and* the address it is tried from. Guesses at one
        account from many addresses slow each address down; its owner, from their own
        address, is never locked out by someone else's guesses."""
        return f"{self._login_account_key(request, **credentials)}:{self.get_client_ip(request)}"

    def _login_account_key(self, request, **credentials):
        """The account alone (allauth's own key: site and email), for the account-wide limit."""
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request, **credentials):
        """Only failures count against the account (authentication_failed), so here we just
        look: guesses in flight at the same moment can pass the limit by that many. A refused
        attempt still counts against its address (allauth's "login_failed" above)."""
        super().pre_authenticate(request, **credentials)
        account_exhausted = not ratelimit.consume(
            request,
            action=ACCOUNT_WIDE_ACTION,
            key=self._login_account_key(request, **credentials),
            dry_run=True,
        )
        if account_exhausted and not self._login_is_from_known_place(request, **credentials):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        ratelimit.consume(
            request, action=ACCOUNT_WIDE_ACTION, key=self._login_account_key(request, **credentials)
        )

    def _delete_login_attempts_cached_email(self, request, **credentials):
        """A completed password reset proves the mailbox: the account-wide count starts
        again too."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request, action=ACCOUNT_WIDE_ACTION, key=self._login_account_key(request, **credentials)
        )

    def post_login(self, request, user, **kwargs):
        """Remember where the owner logged in from: their address (the last few) and this
        browser (a signed cookie), both exempt from the account-wide limit later."""
        response = super().post_login(request, user, **kwargs)
        address = _address_network(self.get_client_ip(request))
        key = _known_addresses_cache_key(user.pk)
        known = [a for a in cache.get(key, []) if a != address]
        kept = settings.LOGIN_KNOWN_ADDRESSES_KEPT
        cache.set(key, [address, *known][:kept], settings.LOGIN_KNOWN_DAYS * 24 * 3600)
        if response is not None:
            accounts = [pk for pk in _known_device_accounts(request) if pk != str(user.pk)]
            response.set_signed_cookie(
                KNOWN_DEVICE_COOKIE,
                ",".join([str(user.pk), *accounts][:kept]),
                salt=KNOWN_DEVICE_SALT,
                max_age=settings.LOGIN_KNOWN_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def _login_is_from_known_place(self, request, **credentials):
        email = credentials.get("email")
        if not email:
            return False
        users = filter_users_by_email(email)
        if not users:
            return False
        if request.user.is_authenticated and request.user in users:
            return True  # reauthenticating in a session of this very account
        device_accounts = _known_device_accounts(request)
        address = _address_network(self.get_client_ip(request))
        for user in users:
            if str(user.pk) in device_accounts:
                return True
            if address in cache.get(_known_addresses_cache_key(user.pk), []):
                return True
        return False

    def get_email_verification_redirect_url(self, email_address):
        # Opened in a browser that did not join (so not signed in): the login page says the
        # membership has started, rather than "Not a member yet?".
        if not self.request.user.is_authenticated and self.request.session.get(WELCOME_SESSION_KEY):
            return reverse("account_login") + "?welcome=1"
        return super().get_email_verification_redirect_url(email_address)

    def respond_email_verification_sent(self, request, user):
        # Joining has its own "check your email" page.
        if request.path == reverse("accounts:join_confirm"):
            return redirect("accounts:join_check_email")
        return super().respond_email_verification_sent(request, user)


ACCOUNT_WIDE_ACTION = "login_failed_account"
KNOWN_DEVICE_COOKIE = "portal_known_device"
KNOWN_DEVICE_SALT = "portal.accounts.known-device"


def _known_addresses_cache_key(user_pk) -> str:
    return f"portal:login:known-addresses:{user_pk}"


def _known_device_accounts(request) -> list[str]:
    """The accounts that logged in in this browser before (a cookie we signed)."""
    try:
        value = request.get_signed_cookie(
            KNOWN_DEVICE_COOKIE, salt=KNOWN_DEVICE_SALT, max_age=settings.LOGIN_KNOWN_DAYS * 86400
        )
    except (KeyError, signing.BadSignature):
        return []
    return [pk for pk in value.split(",") if pk]


def _address_network(address: str) -> str:
    """An IPv6 address stands for its /64 (one household or phone), as in allauth's limits."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)
