"""Section and fee band rules as a table; membership numbers; postcodes."""

import importlib

import pytest

from portal.accounts.choices import FeeBand, Hours, JobRole, Nation, Section
from portal.accounts.membership import (
    damm_check_digit,
    membership_number_is_valid,
    new_membership_number,
    normalise_postcode,
    place_member,
    postcode_matches_nation,
)

FT, PT = Hours.FULL_TIME, Hours.PART_TIME
# The fee schedule's first rates (loaded by a data migration); place_member takes the day's
# rates, so these rules stay plain functions tested without a database.
RATES = importlib.import_module("membership.migrations.0002_rates_and_roles").TODAYS_MONTHLY_RATES

RULES = [
    # role, hours, section, band
    (JobRole.TEACHER, FT, Section.TEACHERS, FeeBand.PROFESSIONAL_FULL),
    (JobRole.TEACHER, PT, Section.TEACHERS, FeeBand.PROFESSIONAL_PART),
    (JobRole.SUPPLY_TEACHER, PT, Section.TEACHERS, FeeBand.PROFESSIONAL_PART),
    (JobRole.LECTURER, FT, Section.TEACHERS, FeeBand.PROFESSIONAL_FULL),
    (JobRole.SUPPORT_STAFF, FT, Section.SUPPORT, FeeBand.SUPPORT_FULL),
    (JobRole.SUPPORT_STAFF, PT, Section.SUPPORT, FeeBand.SUPPORT_PART),
    (JobRole.IMPROVEMENT, FT, Section.IMPROVEMENT, FeeBand.PROFESSIONAL_FULL),
    (JobRole.IMPROVEMENT, PT, Section.IMPROVEMENT, FeeBand.PROFESSIONAL_PART),
    (JobRole.CONSULTANT, FT, Section.IMPROVEMENT, FeeBand.SELF_EMPLOYED),
    (JobRole.CONSULTANT, PT, Section.IMPROVEMENT, FeeBand.SELF_EMPLOYED),
    (JobRole.HEADTEACHER, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
    (JobRole.HEADTEACHER, PT, Section.LEADERSHIP, FeeBand.LEADERSHIP_PART),
    (JobRole.DEPUTY_HEAD, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
    (JobRole.HEAD_OF_CENTRE, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
    (JobRole.ASSISTANT_HEAD, PT, Section.LEADERSHIP, FeeBand.LEADERSHIP_PART),
    (JobRole.MAT_LEADER, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
    (JobRole.DIRECTOR_EDUCATION, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
    (JobRole.BUSINESS_MANAGER, FT, Section.LEADERSHIP, FeeBand.LEADERSHIP_FULL),
]


@pytest.mark.parametrize(("role", "hours", "section", "band"), RULES)
def test_section_and_fee_band_follow_role_and_hours(role, hours, section, band):
    placement = place_member(job_role=role, hours=hours, rates=RATES)
    assert (placement.section, placement.fee_band) == (section, band)
    assert placement.monthly_fee == RATES[band]
    assert len(placement.reasons) == 3


def test_every_role_is_placed():
    covered = {role for role, *_ in RULES}
    assert covered == set(JobRole), "a job role has no rule in the table"


def test_the_seven_leadership_roles_of_the_seeds_are_the_leadership_section():
    leadership = {
        r
        for r in JobRole
        if place_member(job_role=r, hours=FT, rates=RATES).section == "leadership"
    }
    assert {r.label for r in leadership} == {
        "Headteacher/Principal",
        "Deputy Headteacher/Vice Principal",
        "Head of Centre/School/College (Post 16)",
        "Assistant Headteacher/Assistant Principal",
        "CEO/Executive Head/Leader of MAT",
        "Director/Assistant Director of Education",
        "Business Manager/Bursar/FE Manager/FE Finance Manager",
    }


def test_leadership_pays_more_than_the_same_hours_elsewhere():
    for hours in (FT, PT):
        leader = place_member(job_role=JobRole.HEADTEACHER, hours=hours, rates=RATES).monthly_fee
        teacher = place_member(job_role=JobRole.TEACHER, hours=hours, rates=RATES).monthly_fee
        assert leader > teacher


def test_reasons_explain_the_leadership_placement():
    placement = place_member(job_role=JobRole.HEADTEACHER, hours=FT, rates=RATES)
    text = " ".join(placement.reasons)
    assert "Headteacher/Principal is a leadership role" in text
    assert "higher fee" in text
    assert "£33.00 a month" in text


def test_new_membership_numbers_are_valid_and_short():
    numbers = {new_membership_number() for _ in range(500)}
    assert all(len(n) == 8 and membership_number_is_valid(n) for n in numbers)
    assert len(numbers) > 490


def test_every_single_digit_mistake_is_caught():
    number = new_membership_number()
    for position in range(len(number)):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            assert not membership_number_is_valid(typo), typo


def test_every_swap_of_neighbouring_digits_is_caught():
    for _ in range(200):
        number = new_membership_number()
        for i in range(len(number) - 1):
            if number[i] == number[i + 1]:
                continue
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            assert not membership_number_is_valid(swapped), swapped


@pytest.mark.parametrize("bad", ["", "1234567", "123456789", "1234567a", None, "12 34 56 7x"])
def test_malformed_membership_numbers_are_refused(bad):
    assert not membership_number_is_valid(bad)


def test_damm_digit_of_a_known_number():
    # Published worked example of Damm's algorithm: 572 -> check digit 4.
    assert damm_check_digit("572") == 4
    assert membership_number_is_valid("5724000") is False  # wrong length, even if it checks


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" ls1 1ur ", "LS1 1UR"),
        ("BT3  9DT", "BT3 9DT"),
        ("CF10 4UW", "CF10 4UW"),
        ("not a postcode", None),
        ("12345", None),
        ("<script>", None),
        ("", None),
    ],
)
def test_postcodes_are_normalised_or_refused(raw, expected):
    assert normalise_postcode(raw) == expected


def test_only_northern_ireland_postcodes_start_with_bt():
    assert postcode_matches_nation("BT3 9DT", Nation.NORTHERN_IRELAND)
    assert not postcode_matches_nation("BT3 9DT", Nation.ENGLAND)
    assert not postcode_matches_nation("LS1 1UR", Nation.NORTHERN_IRELAND)
    assert postcode_matches_nation("CF10 4UW", Nation.WALES)
