"""The subscription panel on the member dashboard."""

from __future__ import annotations

from django.utils import timezone

from portal.accounts.dashboard import register_panel
from portal.accounts.selectors import membership_for

from . import selectors


@register_panel("subscription", order=5, template="membership/panel.html")
def subscription_panel(user):
    membership = membership_for(user)
    if membership is None:
        return None
    # The rate today and any notice of resignation; coming changes are on /me/subscription/.
    return {
        "membership": membership,
        "quote": selectors.quote_on(membership, timezone.localdate()),
        "resignation": selectors.open_resignation(membership),
    }
