from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
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
        request = allauth_context.request
        root = (
            request.build_absolute_uri("/") if request is not None else settings.SITE_URL + "/"
        ).rstrip("/")
        context = {
            "union_name": settings.PORTAL_UNION_NAME,
            "site_url": root + "/",
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
