"""The fixed kinds of notice the portal sends on its own, from templates in code
(`templates/communications/notifications/<kind>_*.txt`), and which of them pass members'
opt-outs.

Only notices about a member's own membership, subscription, case, ballot or event booking,
and officers' work notices to staff accounts, are sent whatever the member chose: their text
is the union's, approved in code, and the caller can only fill in references and links.
Consultation invitations and reminders follow the member's "consultations" consent.
Anything a person composes by hand is a communication, which always needs consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import CONSULTATIONS_CONSENT


class NoticeKind(models.TextChoices):
    MEMBERSHIP = "membership", _("Membership")
    SUBSCRIPTION = "subscription", _("Subscription")
    CASE = "case", _("Case")
    BALLOT = "ballot", _("Ballot")
    EVENT_BOOKING = "event_booking", "Event booking"
    STAFF = "staff", _("Officers' work")
    CONSULTATION = "consultation", "Consultation invitation or reminder"


# A notification kind belongs to the first category whose prefix it starts with.
PREFIXES: tuple[tuple[str, NoticeKind], ...] = (
    ("membership_", NoticeKind.MEMBERSHIP),
    ("subscription_", NoticeKind.SUBSCRIPTION),
    ("case_", NoticeKind.CASE),
    ("ballot_", NoticeKind.BALLOT),
    ("event_booking_", NoticeKind.EVENT_BOOKING),
    ("consultation_", NoticeKind.CONSULTATION),
    # Officers' work (approvals, reviews, role grants): only ever to staff accounts.
    ("communication_", NoticeKind.STAFF),
    ("standards_", NoticeKind.STAFF),
    ("role_", NoticeKind.STAFF),
    ("staff_", NoticeKind.STAFF),
)

# Notices that need the member's consent, and which consent (accounts' CommunicationKind).
CONSENT_FOR = {NoticeKind.CONSULTATION: CONSULTATIONS_CONSENT}

NOTICE_KIND_UNKNOWN = (
    "%(kind)r is not a notice of a fixed kind: name it membership_…, subscription_…, case_…, "
    "ballot_…, event_booking_…, consultation_… or (to staff) communication_…, standards_…, "
    "role_…, staff_… (portal/communications/notices.py)."
)


@dataclass(frozen=True)
class Notice:
    kind: str
    category: NoticeKind

    @property
    def consent(self) -> str | None:
        """The consent kind it needs, or None for a service notice that is always sent."""
        return CONSENT_FOR.get(self.category)

    @property
    def staff_only(self) -> bool:
        return self.category == NoticeKind.STAFF


def notice_for(kind: str) -> Notice:
    """The category of a notification kind; ValueError if it belongs to none."""
    for prefix, category in PREFIXES:
        if kind.startswith(prefix) and len(kind) > len(prefix):
            return Notice(kind=kind, category=category)
    raise ValueError(NOTICE_KIND_UNKNOWN % {"kind": kind})
