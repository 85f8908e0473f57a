"""The vocabulary of membership: nations, regions, employers, roles, sections and bands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Nation(models.TextChoices):
    ENGLAND = "england", _("England")
    WALES = "wales", _("Wales")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


# England is organised by region; Wales, Scotland and Northern Ireland are one region each.
REGIONS: list[tuple[str, str, str]] = [
    ("north-east", "North East", Nation.ENGLAND),
    ("north-west", "North West", Nation.ENGLAND),
    ("yorkshire-humber", "Yorkshire and the Humber", Nation.ENGLAND),
    ("east-midlands", "East Midlands", Nation.ENGLAND),
    ("west-midlands", "West Midlands", Nation.ENGLAND),
    ("eastern", "East of England", Nation.ENGLAND),
    ("london", "London", Nation.ENGLAND),
    ("south-east", "South East", Nation.ENGLAND),
    ("south-west", "South West", Nation.ENGLAND),
    ("wales", "Wales", Nation.WALES),
    ("scotland", "Scotland", Nation.SCOTLAND),
    ("northern-ireland", "Northern Ireland", Nation.NORTHERN_IRELAND),
]


class EmployerKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    SCHOOL = "school", _("School or academy")
    MAT = "mat", _("Multi-academy trust")
    FE_COLLEGE = "fe_college", _("FE college")
    PRIVATE_COMPANY = "private_company", _("Private company")
    SELF_EMPLOYED = "self_employed", _("Self-employed")


class Section(models.TextChoices):
    LEADERSHIP = "leadership", _("Leadership")
    TEACHERS = "teachers", _("Teachers and lecturers")
    SUPPORT = "support", _("Support staff")
    IMPROVEMENT = "improvement", _("Education improvement professionals")


class JobRole(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SUPPLY_TEACHER = "supply_teacher", _("Supply teacher")
    LECTURER = "lecturer", _("Lecturer")
    SUPPORT_STAFF = (
        "support_staff",
        _("Support staff (teaching assistant, technician, administrator)"),
    )
    IMPROVEMENT = "improvement", _("School improvement or educational development professional")
    CONSULTANT = "consultant", _("Self-employed education consultant")
    # The Leadership section's roles.
    HEADTEACHER = "headteacher", _("Headteacher/Principal")
    DEPUTY_HEAD = "deputy_head", _("Deputy Headteacher/Vice Principal")
    HEAD_OF_CENTRE = "head_of_centre", _("Head of Centre/School/College (Post 16)")
    ASSISTANT_HEAD = "assistant_head", _("Assistant Headteacher/Assistant Principal")
    MAT_LEADER = "mat_leader", _("CEO/Executive Head/Leader of MAT")
    DIRECTOR_EDUCATION = "director_education", _("Director/Assistant Director of Education")
    BUSINESS_MANAGER = (
        "business_manager",
        _("Business Manager/Bursar/FE Manager/FE Finance Manager"),
    )


class Hours(models.TextChoices):
    FULL_TIME = "full_time", _("Full time")
    PART_TIME = "part_time", _("Part time")


class FeeBand(models.TextChoices):
    LEADERSHIP_FULL = "L1", _("Leadership, full time")
    LEADERSHIP_PART = "L2", _("Leadership, part time")
    PROFESSIONAL_FULL = "P1", _("Professional, full time")
    PROFESSIONAL_PART = "P2", _("Professional, part time")
    SUPPORT_FULL = "S1", _("Support staff, full time")
    SUPPORT_PART = "S2", _("Support staff, part time")
    SELF_EMPLOYED = "SE", _("Self-employed")


class MembershipStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed")
    RESIGNED = "resigned", _("Resigned")


class CommunicationKind(models.TextChoices):
    """Kinds a member can opt in to. Service messages (about their own case or membership)
    are always sent and so are not a preference."""

    CAMPAIGN = "campaign", _("Campaigns")
    NEWSLETTER = "newsletter", _("Newsletters")
    JOURNAL = "journal", _("Leadership journal")
    # Invitations to answer the union's consultations and surveys, and reminders before they
    # close. On by email unless the member turns it off (CONSENT_DEFAULT_ON).
    CONSULTATIONS = "consultations", _("Consultations and surveys")
    # Messages from the workplace rep to the members at their workplace, and the rep seeing
    # one's name on a join through their invite link. Off until the member says yes.
    REP_CONTACT = "rep_contact", _("Contact from my workplace rep")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    POST = "post", _("Post")


# (kind, channel) pairs that hold until the member turns them off; every other consent must
# be given. Consultation invitations are how members take part in the union's policy, not
# marketing: members hear of them unless they say no, and every invitation says how to stop.
CONSENT_DEFAULT_ON = frozenset({(CommunicationKind.CONSULTATIONS.value, Channel.EMAIL.value)})


def consent_default(kind: str, channel: str) -> bool:
    """Whether a member who never chose either way counts as consenting."""
    return (str(kind), str(channel)) in CONSENT_DEFAULT_ON
