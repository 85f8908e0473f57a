"""What subscriptions adds to the member's pages: the "How you pay" sections of
`/me/subscription/` (membership.sections) and, on the dashboard, the next step of a new
member who has not set up how they pay (portal.accounts.dashboard)."""

from __future__ import annotations

from membership.sections import register_section
from portal.accounts.choices import MembershipStatus
from portal.accounts.dashboard import register_panel
from portal.accounts.selectors import membership_for

from .member_selectors import payment_overview
from .models import Method, PaymentArrangement


@register_section(order=10, template="subscriptions/_payment_panel.html")
def payment_section(membership):
    return {"overview": payment_overview(membership)}


@register_panel("direct_debit_next_step", order=1, template="subscriptions/_next_step_panel.html")
def next_step_panel(user):
    membership = membership_for(user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return None
    # Read through the membership (cached on it), so that the dashboard's "How and when you
    # pay" reads it again for free.
    try:
        arrangement = membership.payment
    except PaymentArrangement.DoesNotExist:
        arrangement = None
    if arrangement is not None and arrangement.method != Method.NONE:
        return None
    return {"membership": membership}
