"""Demo data for `make run`: one account per role at fixed addresses, members across the
nations, employers of every type. Safe to run again: it finds what it made before."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import transaction

from . import services
from .choices import Channel, CommunicationKind, EmployerKind, Hours, JobRole, MembershipStatus
from .membership import place_member
from .models import Employer, Membership, Region, User
from .roles import Role

DEMO_PASSWORD = "Union-demo-2026"  # noqa: S105  # nosec B105 - printed for the demo

EMPLOYERS = [
    ("Camden Council", EmployerKind.LOCAL_AUTHORITY, "London"),
    ("Cardiff Council", EmployerKind.LOCAL_AUTHORITY, "Cardiff"),
    ("Leeds City Council", EmployerKind.LOCAL_AUTHORITY, "Leeds"),
    ("Riverside Primary School", EmployerKind.SCHOOL, "London"),
    ("St Mary's Primary School", EmployerKind.SCHOOL, "Leeds"),
    ("St Mary's Primary School", EmployerKind.SCHOOL, "Swansea"),
    ("Ysgol Gyfun Glan Taf", EmployerKind.SCHOOL, "Cardiff"),
    ("Northern Lights Academy Trust", EmployerKind.MAT, "Sheffield"),
    ("Learning Together Trust", EmployerKind.MAT, "Birmingham"),
    ("City of Glasgow College", EmployerKind.FE_COLLEGE, "Glasgow"),
    ("Belfast Metropolitan College", EmployerKind.FE_COLLEGE, "Belfast"),
    ("School Improvement Partners Ltd", EmployerKind.PRIVATE_COMPANY, "Nottingham"),
    ("Self-employed", EmployerKind.SELF_EMPLOYED, ""),
]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    first_name: str
    last_name: str
    description: str
    staff_role: str | None = None
    regions: tuple[str, ...] = ()
    member: tuple | None = None  # (employer name, town, job role, hours, postcode, region slug)
    rep: bool = False
    language: str = ""  # the language the member chose ("cy": Welsh pages and emails)


ACCOUNTS = [
    DemoAccount(
        "member",
        "member@demo.example",
        "Maya",
        "Okafor",
        "teacher, London",
        member=(
            "Riverside Primary School",
            "London",
            JobRole.TEACHER,
            Hours.FULL_TIME,
            "N1 9GU",
            "london",
        ),
    ),
    DemoAccount(
        "Leadership member",
        "leader@demo.example",
        "Rhys",
        "Davies",
        "headteacher, Leadership section, Wales",
        member=(
            "Ysgol Gyfun Glan Taf",
            "Cardiff",
            JobRole.HEADTEACHER,
            Hours.FULL_TIME,
            "CF15 7QD",
            "wales",
        ),
    ),
    DemoAccount(
        "Welsh-speaking member",
        "cymraeg@demo.example",
        "Cerys",
        "Llywelyn",
        "teacher in Cardiff, Wales, who chose Cymraeg: Welsh pages and emails",
        member=(
            "Ysgol Gyfun Glan Taf",
            "Cardiff",
            JobRole.TEACHER,
            Hours.FULL_TIME,
            "CF15 7QD",
            "wales",
        ),
        language="cy",
    ),
    DemoAccount(
        "rep",
        "rep@demo.example",
        "Sam",
        "Patel",
        "teacher and workplace rep, London",
        member=(
            "Riverside Primary School",
            "London",
            JobRole.TEACHER,
            Hours.PART_TIME,
            "N1 9GU",
            "london",
        ),
        rep=True,
    ),
    DemoAccount(
        "caseworker",
        "caseworker@demo.example",
        "Grace",
        "Adeyemi",
        "regional officer for London",
        staff_role=Role.CASEWORKER,
        regions=("london",),
    ),
    DemoAccount(
        "lead officer",
        "lead-officer@demo.example",
        "Steve",
        "Cooper",
        "lead officer for Leadership-section cases",
        staff_role=Role.LEAD_OFFICER,
    ),
    DemoAccount(
        "casework manager",
        "case-manager@demo.example",
        "Helen",
        "Murray",
        "casework manager, all cases",
        staff_role=Role.CASEWORK_MANAGER,
    ),
    DemoAccount(
        "publisher",
        "publisher@demo.example",
        "Priya",
        "Shah",
        "publishes standards and consultations",
        staff_role=Role.PUBLISHER,
    ),
    DemoAccount(
        "second publisher",
        "publisher2@demo.example",
        "Tom",
        "Evans",
        "reviews and approves",
        staff_role=Role.PUBLISHER,
    ),
    DemoAccount(
        "communications officer",
        "comms@demo.example",
        "Aisha",
        "Khan",
        "composes member communications",
        staff_role=Role.COMMUNICATIONS_OFFICER,
    ),
    DemoAccount(
        "second communications officer",
        "comms2@demo.example",
        "Ben",
        "Clarke",
        "approves communications",
        staff_role=Role.COMMUNICATIONS_OFFICER,
    ),
    DemoAccount(
        "administrator",
        "admin@demo.example",
        "Alex",
        "Morgan",
        "users and roles; asks for role grants",
        staff_role=Role.ADMINISTRATOR,
    ),
    DemoAccount(
        "membership officer",
        "membership@demo.example",
        "Rosa",
        "Lindqvist",
        "reduced rates, fee schedule, members' histories",
        staff_role=Role.MEMBERSHIP_OFFICER,
    ),
    DemoAccount(
        "events organiser",
        "events@demo.example",
        "Femi",
        "Adeyemi",
        "events: bookings, waiting lists, the register",
        staff_role=Role.EVENTS_ORGANISER,
    ),
    DemoAccount(
        "standing orders committee",
        "soc@demo.example",
        "Carys",
        "Bowen",
        "conference motions: accepts, composites, rules out of order",
        staff_role=Role.STANDING_ORDERS_COMMITTEE,
    ),
    DemoAccount(
        "second administrator",
        "admin2@demo.example",
        "Jordan",
        "Reid",
        "approves role grants",
        staff_role=Role.ADMINISTRATOR,
    ),
    DemoAccount(
        "ballots officer",
        "ballots@demo.example",
        "Imani",
        "Clarke",
        "writes indicative ballots and surveys",
        staff_role=Role.BALLOTS_OFFICER,
    ),
    DemoAccount(
        "second ballots officer",
        "ballots2@demo.example",
        "Tomos",
        "Evans",
        "approves the first one's ballots",
        staff_role=Role.BALLOTS_OFFICER,
    ),
]

# More members, so that lists, filters and reports have something to show.
EXTRA_MEMBERS = [
    (
        "Chloe",
        "Wilson",
        "Leeds City Council",
        "Leeds",
        JobRole.IMPROVEMENT,
        "LS1 1UR",
        "yorkshire-humber",
    ),
    (
        "Daniel",
        "Hughes",
        "St Mary's Primary School",
        "Swansea",
        JobRole.SUPPORT_STAFF,
        "SA1 1NW",
        "wales",
    ),
    (
        "Fiona",
        "Campbell",
        "City of Glasgow College",
        "Glasgow",
        JobRole.LECTURER,
        "G4 0BA",
        "scotland",
    ),
    (
        "Niamh",
        "O'Neill",
        "Belfast Metropolitan College",
        "Belfast",
        JobRole.BUSINESS_MANAGER,
        "BT3 9DT",
        "northern-ireland",
    ),
    ("Oliver", "Bennett", "Self-employed", "", JobRole.CONSULTANT, "NG1 5FS", "east-midlands"),
    (
        "Zara",
        "Ahmed",
        "Learning Together Trust",
        "Birmingham",
        JobRole.MAT_LEADER,
        "B1 1BB",
        "west-midlands",
    ),
    (
        "Megan",
        "Price",
        "Cardiff Council",
        "Cardiff",
        JobRole.DIRECTOR_EDUCATION,
        "CF10 4UW",
        "wales",
    ),
    ("Kwame", "Mensah", "Camden Council", "London", JobRole.SUPPLY_TEACHER, "NW1 2RU", "london"),
    (
        "Laura",
        "Fraser",
        "Northern Lights Academy Trust",
        "Sheffield",
        JobRole.DEPUTY_HEAD,
        "S1 2HE",
        "yorkshire-humber",
    ),
    (
        "Harry",
        "Green",
        "School Improvement Partners Ltd",
        "Nottingham",
        JobRole.IMPROVEMENT,
        "NG7 2RD",
        "east-midlands",
    ),
]


# Made-up home addresses and mobiles (in the range the phone number library uses for its
# examples). The rep has none, so that the dashboard's notice about postal ballots shows.
NO_HOME_ADDRESS = "rep@demo.example"
HOME_ADDRESSES = {
    "member@demo.example": ("14 Alma Terrace", "London", "N7 8AB", "GB", "07400 123401"),
    "leader@demo.example": ("3 Heol y Coed", "Cardiff", "CF14 2AB", "GB", "07400 123402"),
    "chloe.wilson@members.demo.example": ("27 Grange Road", "Leeds", "LS6 3AB", "GB", ""),
    "daniel.hughes@members.demo.example": ("8 Bryn Road", "Swansea", "SA2 0AB", "GB", ""),
    "fiona.campbell@members.demo.example": ("41 Kelvin Way", "Glasgow", "G3 7AB", "GB", ""),
    "niamh.oneill@members.demo.example": ("5 Lisburn Avenue", "Belfast", "BT9 6AB", "GB", ""),
    "oliver.bennett@members.demo.example": (
        "2 Rue des Pres",
        "St Helier",
        "JE2 3AB",
        "JE",
        "07797 123403",
    ),
    "zara.ahmed@members.demo.example": ("19 Moseley Road", "Birmingham", "B13 8AB", "GB", ""),
    "megan.price@members.demo.example": ("6 Pen-y-lan Road", "Cardiff", "CF23 5AB", "GB", ""),
    "kwame.mensah@members.demo.example": ("88 Camden Road", "London", "NW1 9AB", "GB", ""),
    "laura.fraser@members.demo.example": ("12 Ecclesall Road", "Sheffield", "S11 8AB", "GB", ""),
    "harry.green@members.demo.example": (
        "9 rue de la Paix",
        "Lyon",
        "69002",
        "FR",
        "+33 6 12 34 56 78",
    ),
}


def _home_address(user: User) -> None:
    details = HOME_ADDRESSES.get(user.email)
    if details is None:
        return
    line_1, town, postcode, country, mobile = details
    if not mobile:
        mobile = "07400 1235" + f"{user.pk % 100:02d}"
    services.contact_details_save(
        actor=user,
        user=user,
        data={
            "address_line_1": line_1,
            "town": town,
            "postcode": postcode,
            "country": country,
            "mobile": mobile,
        },
    )


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo staff account, so that it is the same on every run."""
    digest = hashlib.sha256(f"demo-portal-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def _user(email: str, first: str, last: str) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _joined_on(email: str) -> date:
    """A fixed join date per demo member, a few years back, so that they are long past the
    qualifying period for help."""
    days = int(hashlib.sha256(email.encode()).hexdigest()[:6], 16) % 2500
    return date(2019, 1, 7) + timedelta(days=days)


def _membership(user: User, employer_name, town, role, hours, postcode, region_slug, rep=False):
    employer = Employer.objects.get(name=employer_name, town=town)
    region = Region.objects.get(slug=region_slug)
    placement = place_member(job_role=role, hours=hours)
    membership, created = Membership.objects.get_or_create(
        user=user,
        defaults={
            "number": services._unused_membership_number(),
            "status": MembershipStatus.ACTIVE,
            "employer": employer,
            "workplace": services.workplace_for(employer=employer, postcode=postcode),
            "job_role": role,
            "hours": hours,
            "section": placement.section,
            "fee_band": placement.fee_band,
            "workplace_postcode": postcode,
            "nation": region.nation,
            "region": region,
            "is_rep": rep,
            "joined_on": _joined_on(user.email),
        },
    )
    if created:
        services.consent_set(
            user=user,
            granted={(CommunicationKind.NEWSLETTER, Channel.EMAIL)},
            kinds=[CommunicationKind.CAMPAIGN, CommunicationKind.NEWSLETTER],
            source="demo",
        )
    return membership


@transaction.atomic
def seed() -> list[dict]:
    for name, kind, town in EMPLOYERS:
        Employer.objects.get_or_create(name=name, town=town, kind=kind)
    printed = []
    for account in ACCOUNTS:
        user = _user(account.email, account.first_name, account.last_name)
        secret = None
        if account.member:
            _membership(user, *account.member, rep=account.rep)
            _home_address(user)
        if account.language and user.language != account.language:
            services.user_language_set(user=user, language=account.language)
        if account.staff_role:
            # No demo account is a superuser: `createsuperuser` is the only way to make one.
            user.is_staff = True
            user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])
            user.groups.add(Group.objects.get(name=account.staff_role))
            if account.regions:
                user.regions.set(Region.objects.filter(slug__in=account.regions))
            secret = demo_totp_secret(account.email)
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, secret)
        printed.append(
            {
                "role": account.role,
                "email": account.email,
                "about": account.description,
                "totp": secret,
            }
        )
    for first, last, employer, town, role, postcode, region in EXTRA_MEMBERS:
        email = f"{first}.{last}".lower().replace("'", "") + "@members.demo.example"
        user = _user(email, first, last)
        _membership(user, employer, town, role, Hours.FULL_TIME, postcode, region)
        _home_address(user)
    return printed
