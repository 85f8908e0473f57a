from __future__ import annotations

import shutil
from datetime import date

import pytest

from casework import services
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, region, staff_user


@pytest.fixture(autouse=True)
def _private_files(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    yield
    shutil.rmtree(tmp_path / "private", ignore_errors=True)


@pytest.fixture
def people(db):
    """Members and officers in two regions, a Leadership member, a lead officer, a manager."""
    london, wales = region("london"), region("wales")
    member = MembershipFactory(region=london, joined_on=date(2020, 1, 1))
    member_b = MembershipFactory(region=london, joined_on=date(2020, 1, 1))
    welsh = MembershipFactory(
        region=wales, workplace_postcode="CF10 4UW", joined_on=date(2020, 1, 1)
    )
    leader = MembershipFactory(region=london, job_role="headteacher", joined_on=date(2020, 1, 1))
    cw_london, _ = staff_user(Role.CASEWORKER, first_name="Lon", last_name="Don")
    cw_london.regions.add(london)
    cw_wales, _ = staff_user(Role.CASEWORKER, first_name="Wal", last_name="Es")
    cw_wales.regions.add(wales)
    lead, _ = staff_user(Role.LEAD_OFFICER, first_name="Lead", last_name="Officer")
    manager, _ = staff_user(Role.CASEWORK_MANAGER, first_name="Man", last_name="Ager")
    publisher, _ = staff_user(Role.PUBLISHER)
    return {
        "member": member.user,
        "member_b": member_b.user,
        "welsh": welsh.user,
        "leader": leader.user,
        "cw_london": cw_london,
        "cw_wales": cw_wales,
        "lead": lead,
        "manager": manager,
        "publisher": publisher,
    }


def details(member, **overrides) -> services.CaseDetails:
    data = {
        "category": "discipline",
        "employer": member.membership.employer,
        "what_happened": "Private account of what happened: SECRET-NARRATIVE",
        "desired_outcome": "Representation at the hearing",
        "problem_started_on": date(2024, 5, 1),
    }
    data.update(overrides)
    return services.CaseDetails(**data)


@pytest.fixture
def submit():
    def make(member, **overrides):
        return services.case_submit(member=member, details=details(member, **overrides))

    return make


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
