"""What every member page of every app does first: the member's membership, or a message
and None (the caller sends them to the dashboard)."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext as _

from .selectors import membership_for


def membership_or_tell(request):
    membership = membership_for(request.user)
    if membership is None:
        messages.info(request, _("This account has no membership."))
    return membership
