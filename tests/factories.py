from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from portal.accounts.choices import EmployerKind, Hours, JobRole, MembershipStatus
from portal.accounts.membership import derive_fee_band, derive_section, new_membership_number
from portal.accounts.models import Employer, Membership, Region, User
from portal.accounts.services import workplace_for

PASSWORD = "correct-horse-battery-9"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Test School {n}")
    kind = EmployerKind.SCHOOL
    town = "Leeds"


def region(slug: str = "london") -> Region:
    return Region.objects.get(slug=slug)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    number = factory.LazyFunction(new_membership_number)
    status = MembershipStatus.ACTIVE
    employer = factory.SubFactory(EmployerFactory)
    job_role = JobRole.TEACHER
    hours = Hours.FULL_TIME
    section = factory.LazyAttribute(lambda o: derive_section(o.job_role))
    fee_band = factory.LazyAttribute(lambda o: derive_fee_band(o.job_role, o.hours))
    workplace_postcode = "N1 9GU"
    workplace = factory.LazyAttribute(
        lambda o: workplace_for(employer=o.employer, postcode=o.workplace_postcode)
    )
    region = factory.LazyFunction(region)
    nation = factory.LazyAttribute(lambda o: o.region.nation)


def staff_user(role: str | None = None, *, mfa: bool = True, **kwargs) -> tuple[User, str | None]:
    """A staff account in a role, with TOTP set up unless mfa=False; returns (user, secret)."""
    user = UserFactory(is_staff=True, **kwargs)
    if role:
        user.groups.add(Group.objects.get(name=role))
    secret = None
    if mfa:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    return user, secret


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
