"""Rules for a member's contact details: where a home address may be, what its postcode must
look like there, and mobile numbers in E.164. Plain functions with no database access,
tested as tables; the form, the admin and the services all ask these."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext_lazy as _

from .countries import COUNTRY_NAMES
from .membership import (
    CROWN_DEPENDENCY_BY_AREA,
    POSTCODE_COUNTRIES,
    UNITED_KINGDOM,
    normalise_postcode,
    postcode_country,
)

# Error messages are constants so that tests assert against the same words people read.
POSTCODE_REQUIRED = _("Enter the postcode: every address in the UK has one.")
POSTCODE_INVALID = _("Enter a real postcode, like SW1A 1AA.")
POSTCODE_WRONG_COUNTRY = _(
    "This postcode is in %(place)s: choose %(place)s as the country, or check the postcode."
)
POSTAL_CODE_TOO_LONG = _("A postal code has at most 20 characters.")
COUNTRY_REQUIRED = _("Choose the country.")
COUNTRY_UNKNOWN = _("Choose a country from the list.")
LINE_1_REQUIRED = _("Enter the first line of the address (the house and street).")
TOWN_REQUIRED = _("Enter the town or city.")
ADDRESS_INCOMPLETE = _(
    "Enter the whole address (first line, town and country), or leave all of it empty."
)
TOO_LONG = _("Use at most %(limit)d characters.")
MOBILE_INVALID = _(
    "Enter a mobile number, like 07400 123456, or with its country code, like +33 6 12 34 56 78."
)
MOBILE_NOT_MOBILE = _("This is not a mobile number. Enter a mobile number, or leave it empty.")

# The fields of a home address, in the order they are written on an envelope.
ADDRESS_FIELDS = ("address_line_1", "address_line_2", "address_line_3", "town", "postcode")
ALL_FIELDS = (*ADDRESS_FIELDS, "country", "mobile")
MAX_LENGTHS = {"address_line_1": 200, "address_line_2": 200, "address_line_3": 200, "town": 100}


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code or "", code or "")


def place_name(code: str) -> str:
    """A country's name as it reads in a sentence ("in the United Kingdom")."""
    return "the United Kingdom" if code == UNITED_KINGDOM else country_name(code)


def country_choices() -> list[tuple[str, str]]:
    """The UK and the Crown dependencies first (most members live there), then the rest."""
    names = COUNTRY_NAMES
    first = [UNITED_KINGDOM, "JE", "GG", "IM"]
    rest = sorted((c for c in names if c not in first), key=lambda c: names[c])
    return [(c, names[c]) for c in first + rest]


def country_is_known(code: str) -> bool:
    return code in COUNTRY_NAMES


@dataclass(frozen=True)
class PostcodeCheck:
    value: str
    problem: str | None = None


def check_postcode(*, country: str, postcode: str) -> PostcodeCheck:
    """The postcode as it is kept, or the problem with it.

    In the UK, Jersey, Guernsey and the Isle of Man a postcode is required, must be a real
    one and must belong there (JE is Jersey, GY Guernsey, IM the Isle of Man; everything
    else the UK). Elsewhere the postal code is free-form and optional."""
    raw = " ".join((postcode or "").split())
    if country not in POSTCODE_COUNTRIES:
        if len(raw) > 20:
            return PostcodeCheck(raw, str(POSTAL_CODE_TOO_LONG))
        return PostcodeCheck(raw.upper())
    if not raw:
        return PostcodeCheck("", str(POSTCODE_REQUIRED))
    normalised = normalise_postcode(raw)
    if normalised is None:
        return PostcodeCheck(raw, str(POSTCODE_INVALID))
    belongs_to = postcode_country(normalised)
    if belongs_to != country:
        return PostcodeCheck(
            normalised, str(POSTCODE_WRONG_COUNTRY % {"place": place_name(belongs_to)})
        )
    return PostcodeCheck(normalised)


@dataclass(frozen=True)
class MobileCheck:
    value: str
    problem: str | None = None


def check_mobile(value: str, *, country: str = UNITED_KINGDOM) -> MobileCheck:
    """A mobile number in E.164 ("+447700900123"), or the problem with it. Numbers without a
    country code are read as numbers of the member's country (the UK if none is given);
    empty is allowed."""
    raw = (value or "").strip()
    if not raw:
        return MobileCheck("")
    if len(raw) > 30:
        return MobileCheck(raw[:30], str(MOBILE_INVALID))
    region = country if country and country_is_known(country) else UNITED_KINGDOM
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return MobileCheck(raw, str(MOBILE_INVALID))
    if not phonenumbers.is_valid_number(number):
        return MobileCheck(raw, str(MOBILE_INVALID))
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return MobileCheck(raw, str(MOBILE_NOT_MOBILE))
    return MobileCheck(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def mobile_display(e164: str) -> str:
    """A stored number as people write it: national form for UK numbers, international
    otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == UNITED_KINGDOM
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def address_problems(data: dict) -> dict[str, str]:
    """Problems with a home address as a whole, by field: an address is either empty or has
    at least its first line, town and country (and a postcode where one is required)."""
    problems: dict[str, str] = {
        name: str(TOO_LONG % {"limit": limit})
        for name, limit in MAX_LENGTHS.items()
        if len(data.get(name) or "") > limit
    }
    given = any((data.get(f) or "").strip() for f in ADDRESS_FIELDS)
    if not given:
        return problems
    if not (data.get("address_line_1") or "").strip():
        problems["address_line_1"] = str(LINE_1_REQUIRED)
    if not (data.get("town") or "").strip():
        problems["town"] = str(TOWN_REQUIRED)
    country = data.get("country") or ""
    if not country:
        problems["country"] = str(COUNTRY_REQUIRED)
    elif not country_is_known(country):
        problems["country"] = str(COUNTRY_UNKNOWN)
    else:
        check = check_postcode(country=country, postcode=data.get("postcode") or "")
        if check.problem:
            problems["postcode"] = check.problem
    return problems


__all__ = [
    "ADDRESS_FIELDS",
    "ALL_FIELDS",
    "CROWN_DEPENDENCY_BY_AREA",
    "UNITED_KINGDOM",
    "address_problems",
    "check_mobile",
    "check_postcode",
    "country_choices",
    "country_name",
    "mobile_display",
]
