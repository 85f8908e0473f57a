"""Membership rules: section and fee band from role and hours, membership numbers with a
check digit, postcodes. Plain functions with no database access, tested as tables.

The fee for each band is not here: it comes from the fee schedule staff keep in the admin
(`membership.models.FeeRate`). `place_member` takes the day's rates, or asks the schedule
through `fees.monthly_rates()` when it is not given them."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from .choices import FeeBand, Hours, JobRole, MembershipStatus, Nation, Section

LEADERSHIP_ROLES = frozenset(
    {
        JobRole.HEADTEACHER,
        JobRole.DEPUTY_HEAD,
        JobRole.HEAD_OF_CENTRE,
        JobRole.ASSISTANT_HEAD,
        JobRole.MAT_LEADER,
        JobRole.DIRECTOR_EDUCATION,
        JobRole.BUSINESS_MANAGER,
    }
)
SECTION_BY_ROLE: dict[str, str] = {
    **dict.fromkeys(LEADERSHIP_ROLES, Section.LEADERSHIP),
    JobRole.TEACHER: Section.TEACHERS,
    JobRole.SUPPLY_TEACHER: Section.TEACHERS,
    JobRole.LECTURER: Section.TEACHERS,
    JobRole.SUPPORT_STAFF: Section.SUPPORT,
    JobRole.IMPROVEMENT: Section.IMPROVEMENT,
    JobRole.CONSULTANT: Section.IMPROVEMENT,
}


@dataclass(frozen=True)
class Placement:
    """Where a member sits in the union and why, shown before they confirm."""

    section: str
    fee_band: str
    monthly_fee: Decimal
    reasons: tuple[str, ...]

    @property
    def section_label(self) -> str:
        return Section(self.section).label

    @property
    def fee_band_label(self) -> str:
        return FeeBand(self.fee_band).label


def derive_section(job_role: str) -> str:
    return SECTION_BY_ROLE[JobRole(job_role)]


def derive_fee_band(job_role: str, hours: str) -> str:
    role, hours = JobRole(job_role), Hours(hours)
    part_time = hours == Hours.PART_TIME
    if role == JobRole.CONSULTANT:
        return FeeBand.SELF_EMPLOYED
    section = derive_section(role)
    if section == Section.LEADERSHIP:
        return FeeBand.LEADERSHIP_PART if part_time else FeeBand.LEADERSHIP_FULL
    if section == Section.SUPPORT:
        return FeeBand.SUPPORT_PART if part_time else FeeBand.SUPPORT_FULL
    return FeeBand.PROFESSIONAL_PART if part_time else FeeBand.PROFESSIONAL_FULL


def place_member(*, job_role: str, hours: str, rates: dict | None = None) -> Placement:
    """Section, band and the band's monthly fee (from `rates`, or today's fee schedule)."""
    role = JobRole(job_role)
    section = derive_section(role)
    band = derive_fee_band(role, hours)
    if rates is None:
        from .fees import monthly_rates

        rates = monthly_rates()
    fee = rates[band]
    if section == Section.LEADERSHIP:
        why_section = gettext(
            "%(role)s is a leadership role, so you join the Leadership section: its "
            "members have their own committee, conference, journal and a lead officer for "
            "their casework."
        ) % {"role": role.label}
    else:
        why_section = gettext("%(role)s belongs to the %(section)s section.") % {
            "role": role.label,
            "section": Section(section).label,
        }
    if band == FeeBand.SELF_EMPLOYED:
        why_band = gettext(
            "Self-employed consultants pay the self-employed rate, whatever their hours."
        )
    else:
        why_band = gettext("%(section)s members who work %(hours)s pay the %(band)s band.") % {
            "section": Section(section).label,
            "hours": Hours(hours).label.lower(),
            "band": FeeBand(band).label,
        }
    if section == Section.LEADERSHIP:
        why_band += " " + gettext("Leadership members pay a higher fee.")
    why_fee = gettext("That is £%(fee)s a month.") % {"fee": fee}
    return Placement(section, band, fee, (why_section, why_band, why_fee))


# Damm's algorithm: one check digit that catches every single-digit error and every
# transposition of adjacent digits.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
MEMBERSHIP_NUMBER_LENGTH = 8  # seven digits and a check digit


def damm_check_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def membership_number_is_valid(number: str) -> bool:
    number = (number or "").replace(" ", "")
    return (
        len(number) == MEMBERSHIP_NUMBER_LENGTH
        and number.isdigit()
        and damm_check_digit(number) == 0
    )


def new_membership_number() -> str:
    """A random number (so numbers reveal nothing about how many members there are)."""
    body = str(secrets.randbelow(9_000_000) + 1_000_000)
    return body + str(damm_check_digit(body))


# The Royal Mail's shapes (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA) with the
# letters each position never uses: Q, V, X never first; I, J, Z never second; the inward
# part never has C, I, K, M, O or V. GIR 0AA is the one exception. Jersey (JE), Guernsey
# (GY) and the Isle of Man (IM) use the same shapes.
_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"[A-PR-UWYZ][0-9][0-9]?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][0-9]?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW][0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY][0-9][ABD-HJLNP-UW-Z]{2})$"
)

# Where a postcode is: the Crown dependencies have their own postcode areas (and their own
# ISO country codes); every other postcode is in the United Kingdom.
UNITED_KINGDOM = "GB"
CROWN_DEPENDENCY_BY_AREA = {"JE": "JE", "GY": "GG", "IM": "IM"}
POSTCODE_COUNTRIES = frozenset({UNITED_KINGDOM, *CROWN_DEPENDENCY_BY_AREA.values()})


def normalise_postcode(value: str) -> str | None:
    """A UK (or Channel Islands, Isle of Man) postcode in its standard form ("SW1A 1AA"),
    or None if it is not one."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_area(postcode: str) -> str:
    """The letters a postcode starts with ("SW" for "SW1A 1AA")."""
    return re.match(r"[A-Z]*", postcode.upper()).group(0)


def postcode_country(postcode: str) -> str:
    """The ISO country code of a normalised postcode: JE, GG or IM for the Crown
    dependencies, GB for everywhere else."""
    return CROWN_DEPENDENCY_BY_AREA.get(postcode_area(postcode), UNITED_KINGDOM)


def postcode_matches_nation(postcode: str, nation: str) -> bool:
    """Northern Ireland's postcodes, and only they, start with BT."""
    in_ni = postcode.upper().startswith("BT")
    return in_ni == (nation == Nation.NORTHERN_IRELAND)


# The membership year runs with the school year: a card is valid to the end of August.
MEMBERSHIP_YEAR_ENDS = (8, 31)


def membership_year_end(today: date) -> date:
    """The last day of the membership year that `today` is in."""
    month, day = MEMBERSHIP_YEAR_ENDS
    end = date(today.year, month, day)
    return end if today <= end else date(today.year + 1, month, day)


def card_valid_until(*, status: str, today: date) -> date | None:
    """A membership card is valid to the end of the current membership year while the
    membership is active; an applicant's, a lapsed or a resigned member's card is not."""
    if status != MembershipStatus.ACTIVE:
        return None
    return membership_year_end(today)
