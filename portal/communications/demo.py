"""Demo data: a newsletter already sent (with its delivery records) and a campaign composed
by comms@demo.example that waits for a second officer's approval. Safe to run again."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts.choices import Channel, CommunicationKind, MembershipStatus, Nation, Section
from portal.accounts.models import ConsentEvent, ConsentState, User

from .models import Communication, Delivery, DeliveryStatus, Kind, Status
from .services import _freeze_recipients

NEWSLETTER_SUBJECT = "Members' newsletter: our priorities for the year"
NEWSLETTER_BODY = """Dear {first_name},

The Group Executive Council met in early March to set out the priorities of the union's
Education and Children's Services Group for the next two years.

## As your trade union

- confidential advice and formal representation when you need it, up to legal assistance;
- collective negotiation with employers on pay, terms and conditions, redundancies and
  transfers;
- Standards and Principles for education and children's services professionals.

## As your professional association

We will respond to consultations on school improvement, SEND, attendance, inclusion and
exclusion, and devolved-nation policy, and we want your views.

Thank you to everyone who answered the members' survey.

*Your membership number is {membership_number}.*
"""

CAMPAIGN_SUBJECT = "Have your say: the SEND consultation closes soon"
CAMPAIGN_BODY = """Dear {first_name},

The Department for Education is consulting on changes to support for children with special
educational needs and disabilities. Members of the {section} section in Wales see the effect
of these decisions every day.

**Tell us what you think** before the consultation closes: log in to the member portal and
answer the questions in a few minutes.
"""


@transaction.atomic
def seed() -> None:
    comms = User.objects.get(email="comms@demo.example")
    comms2 = User.objects.get(email="comms2@demo.example")
    now = timezone.now()
    if not Communication.objects.filter(subject=NEWSLETTER_SUBJECT).exists():
        started = now - timedelta(days=7)
        newsletter = Communication.objects.create(
            kind=Kind.NEWSLETTER,
            subject=NEWSLETTER_SUBJECT,
            body=NEWSLETTER_BODY,
            statuses=[MembershipStatus.ACTIVE],
            status=Status.SENDING,
            created_by=comms,
            created_at=started - timedelta(days=1),
            submitted_at=started - timedelta(hours=20),
            approved_by=comms2,
            approved_at=started - timedelta(hours=2),
            started_by=comms2,
            started_at=started,
        )
        newsletter.recipient_count = _freeze_recipients(newsletter, started)
        Delivery.objects.filter(communication=newsletter).update(
            status=DeliveryStatus.SENT,
            attempts=1,
            sent_at=started + timedelta(minutes=1),
        )
        newsletter.status, newsletter.finished_at = Status.SENT, started + timedelta(minutes=2)
        newsletter.save()
    # The Leadership-section members in Wales hear about campaigns, so that the campaign
    # below reaches someone once comms2@demo.example approves it.
    for email in ("leader@demo.example", "megan.price@members.demo.example"):
        member = User.objects.filter(email=email).first()
        if (
            member
            and not ConsentState.objects.filter(
                user=member, kind=CommunicationKind.CAMPAIGN, channel=Channel.EMAIL
            ).exists()
        ):
            ConsentState.objects.create(
                user=member, kind=CommunicationKind.CAMPAIGN, channel=Channel.EMAIL, granted=True
            )
            ConsentEvent.objects.create(
                user=member,
                kind=CommunicationKind.CAMPAIGN,
                channel=Channel.EMAIL,
                granted=True,
                source="demo",
            )
    if not Communication.objects.filter(subject=CAMPAIGN_SUBJECT).exists():
        Communication.objects.create(
            kind=Kind.CAMPAIGN,
            subject=CAMPAIGN_SUBJECT,
            body=CAMPAIGN_BODY,
            sections=[Section.LEADERSHIP],
            nations=[Nation.WALES],
            statuses=[MembershipStatus.ACTIVE],
            status=Status.AWAITING_APPROVAL,
            created_by=comms,
            submitted_at=now - timedelta(hours=3),
        )
