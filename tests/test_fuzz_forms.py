"""Property-based bad input on every member-facing form: whatever is posted, the portal
answers with a page (never a 500), and nothing is saved half-way."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import Case, CaseEvent
from membership.models import LifeEvent, MembershipChange, Reduction, Resignation
from portal.accounts.models import (
    ConsentEvent,
    ContactDetails,
    ContactDetailsChange,
    EqualityMonitoring,
    Membership,
    User,
)
from subscriptions.models import CardPayment, PaymentArrangement
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Text a hostile or clumsy person might type: anything printable, control characters,
# very long strings, markup, SQL, path tricks, non-Latin scripts.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=200, max_size=3000),
    st.sampled_from(
        [
            "",
            " ",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "\x00\x01\x02",
            "1" * 5000,
            "２０２６-１３-４５",
            "9999-99-99",
            "-1",
            "NaN",
            "Ünïcødé ✓ 你好",
        ]
    ),
)

FORMS = {
    "join": [
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "employer",
        "employer_kind",
        "employer_town",
        "job_role",
        "hours",
        "workplace_postcode",
        "nation",
        "region",
    ],
    "profile": [
        "first_name",
        "last_name",
        "employer",
        "employer_kind",
        "employer_town",
        "job_role",
        "hours",
        "workplace_postcode",
        "nation",
        "region",
    ],
    "preferences": ["newsletter__email", "campaign__sms", "journal__post", "bogus"],
    "contact": [
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "postcode",
        "country",
        "mobile",
    ],
    "equality": ["ethnicity", "disabled", "sexual_orientation", "trans", "networks"],
    "case": [
        "category",
        "employer",
        "employer_kind",
        "what_happened",
        "desired_outcome",
        "problem_started_on",
        "hearing_date",
        "colleagues_affected",
        "other_party_name",
        "other_party_number",
        "action",
    ],
    "leave": ["leave_kind", "effective_on", "ends_on", "confirm"],
    "hours": ["effective_on", "contracted_hours", "confirm"],
    "moving": [
        "effective_on",
        "employer",
        "employer_kind",
        "job_role",
        "workplace_postcode",
        "region",
        "confirm",
    ],
    "resign": ["reason", "confirm"],
    "pay": ["what", "amount"],
    "direct_debit": ["account_holder", "sort_code", "account_number", "confirm"],
    "payroll": ["employer", "payroll_number", "confirm"],
}
URLS = {
    "join": "accounts:join",
    "profile": "accounts:profile",
    "preferences": "accounts:preferences",
    "contact": "accounts:contact",
    "equality": "accounts:equality",
    "case": "casework:new",
    "leave": "/me/changes/leave/",
    "hours": "/me/changes/hours/",
    "moving": "/me/changes/moving/",
    "resign": "/me/resign/",
    "pay": "/me/subscription/pay/",
    "direct_debit": "/me/subscription/direct-debit/",
    "payroll": "/me/subscription/payroll/",
}


def counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        EqualityMonitoring.objects.count(),
        ConsentEvent.objects.count(),
        LifeEvent.objects.count(),
        Reduction.objects.count(),
        Resignation.objects.count(),
        MembershipChange.objects.count(),
        ContactDetails.objects.count(),
        ContactDetailsChange.objects.count(),
        CardPayment.objects.count(),
        PaymentArrangement.objects.count(),
    )


@pytest.mark.parametrize("form", list(FORMS))
def test_no_form_answers_a_500_to_anything(form):
    membership = MembershipFactory()
    before_profile = Membership.objects.values().get(pk=membership.pk)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries(dict.fromkeys(FORMS[form], nasty_text)))
    def check(data):
        client = Client(raise_request_exception=False)
        if form != "join":
            client.force_login(membership.user)
        before = counts()
        url = URLS[form] if URLS[form].startswith("/") else reverse(URLS[form])
        response = client.post(url, data)
        assert response.status_code < 500, (form, data)
        if response.status_code == 400:
            assert counts() == before, "a refused form saved something"
            if form == "profile":
                assert Membership.objects.values().get(pk=membership.pk) == before_profile

    check()
