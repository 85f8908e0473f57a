"""Building blocks for the communications tests."""

from __future__ import annotations

from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.models import ConsentState
from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import Communication, Kind
from tests.factories import MembershipFactory, region, staff_user


def member(*, consents=(), **kwargs):
    """A member (active unless told otherwise) who opted in by email to `consents`."""
    if "region" in kwargs and isinstance(kwargs["region"], str):
        kwargs["region"] = region(kwargs["region"])
    membership = MembershipFactory(**kwargs)
    for kind in consents:
        ConsentState.objects.create(
            user=membership.user, kind=kind, channel=Channel.EMAIL, granted=True
        )
    return membership.user


def members(n, **kwargs):
    return [member(**kwargs) for _ in range(n)]


def officers():
    """Two communications officers: one composes, the other approves."""
    author, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    approver, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    return author, approver


def compose(author, *, kind=Kind.NEWSLETTER, subject="News for {first_name}", body=None, **aud):
    communication = Communication(
        kind=kind,
        subject=subject,
        body=body or "Dear {first_name},\n\nYour number is **{membership_number}**.",
        **{k: v for k, v in aud.items() if k not in ("regions", "employers")},
    )
    services.communication_save(
        communication=communication,
        by=author,
        regions=aud.get("regions"),
        employers=aud.get("employers"),
    )
    return communication


def approve(communication, author, approver):
    services.communication_submit(communication=communication, by=author)
    return services.communication_approve(communication=communication, by=approver)


NEWSLETTER = CommunicationKind.NEWSLETTER
CAMPAIGN = CommunicationKind.CAMPAIGN
JOURNAL = CommunicationKind.JOURNAL
