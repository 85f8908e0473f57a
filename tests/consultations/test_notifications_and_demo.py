"""Invitations and the closing reminder (the contract with communications), and the demo."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from consultations import demo, services
from consultations.models import Consultation, Phase, Response
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, region, staff_user

from .conftest import answers_for, make_consultation, qs

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What the communications app is asked to send: the contract is notification_send."""
    calls = []

    def record(*, user, kind, context):
        calls.append((user.pk, kind, context))

    monkeypatch.setattr(services, "notification_send", record)
    return calls


def test_invitations_go_once_to_eligible_members_who_have_not_submitted(sent):
    c = make_consultation(audience_nations=["england"])
    english = [MembershipFactory(region=region("london")) for _ in range(3)]
    MembershipFactory(region=region("wales"))  # outside the audience
    MembershipFactory(region=region("london"), status=MembershipStatus.LAPSED)
    services.response_save(
        consultation=c,
        user=english[0].user,
        answers=answers_for(qs(c)),
        quote_consent="no",
        submit=True,
    )
    services.response_save(
        consultation=c, user=english[1].user, answers={qs(c)["role"].pk: "Teacher"}
    )  # a draft is not a response yet: still invited
    assert services.consultation_send_invitations(consultation=c) == 2
    assert {pk for pk, _, _ in sent} == {english[1].user_id, english[2].user_id}
    _, kind, context = sent[0]
    assert kind == "consultation_invitation"
    assert context["title"] == c.title
    assert context["url"].endswith(f"/consultations/{c.slug}/")
    assert set(context) == {"title", "closes", "url", "body"}
    # Once only.
    assert services.consultation_send_invitations(consultation=c) == 0
    assert len(sent) == 2


def test_no_invitations_for_drafts_or_closed_consultations(sent):
    MembershipFactory()
    for phase in ("draft", "scheduled", "closed"):
        assert (
            services.consultation_send_invitations(consultation=make_consultation(phase=phase)) == 0
        )
    assert sent == []


def test_the_sweep_invites_then_reminds_before_the_close(sent):
    now = timezone.now()
    members = [MembershipFactory() for _ in range(2)]
    c = make_consultation(closes_at=now + timedelta(days=10))
    assert services.consultations_send_due_notifications(now=now) == {"invited": 2, "reminded": 0}
    services.response_save(
        consultation=c,
        user=members[0].user,
        answers=answers_for(qs(c)),
        quote_consent="no",
        submit=True,
        now=now,
    )
    later = c.closes_at - timedelta(days=2)
    assert services.consultations_send_due_notifications(now=later) == {"invited": 0, "reminded": 1}
    assert services.consultations_send_due_notifications(now=later) == {"invited": 0, "reminded": 0}
    assert sent[-1][0] == members[1].user_id and sent[-1][1] == "consultation_reminder"
    # Nothing after it has closed.
    c2 = make_consultation(phase="closed")
    assert services.consultation_send_reminders(consultation=c2) == 0


def test_opening_a_consultation_sends_its_invitations(sent, django_capture_on_commit_callbacks):
    member = MembershipFactory()
    c = make_consultation(phase="draft")
    writer, approver = staff_user(Role.PUBLISHER)[0], staff_user(Role.PUBLISHER)[0]
    services.consultation_submit(consultation=c, by=writer)
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_open(consultation=c, by=approver)
    c.refresh_from_db()
    assert c.phase() == Phase.OPEN and c.invitations_sent_at is not None
    assert [(pk, kind) for pk, kind, _ in sent] == [(member.user_id, "consultation_invitation")]


def test_notification_templates_render_without_escaping_or_case_content():
    c = make_consultation(title="Members' survey: pay & workload")
    context = services._notification_context(c)
    subject = render_to_string(
        "communications/notifications/consultation_invitation_subject.txt", context
    ).strip()
    assert subject == "Have your say: Members' survey: pay & workload"
    body = render_to_string(
        "communications/notifications/consultation_reminder_body.txt",
        {**context, "user": type("U", (), {"first_name": "Maya"})()},
    )
    assert "Dear Maya" in body and context["url"] in body and context["closes"] in body


def test_demo_data_is_idempotent_and_useful():
    from portal.accounts import demo as accounts_demo

    accounts_demo.seed()
    demo.seed()
    counts = (Consultation.objects.count(), Response.objects.count(), Membership.objects.count())
    demo.seed()
    assert (
        Consultation.objects.count(),
        Response.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert Consultation.objects.count() >= 3
    from consultations import rules
    from consultations.selectors import consultation_results

    member = Membership.objects.get(user__email="member@demo.example")
    dfe = Consultation.objects.get(slug="school-improvement-funding-2026")
    assert dfe.phase() == Phase.OPEN and rules.is_in_audience(dfe, member)
    assert dfe.policy_areas.filter(slug="school-improvement").exists()
    closed = Consultation.objects.get(slug="send-mainstream-support")
    assert closed.phase() == Phase.OUTCOME
    results = consultation_results(closed)
    assert results.respondents >= 30 and not results.suppressed
    scale = results.questions[0]
    assert len([o for o in scale.options if o.count]) >= 3  # a real distribution
    survey = Consultation.objects.get(slug="members-survey-2026")
    assert survey.is_members_survey and survey.anonymous
    assert Response.objects.filter(consultation=survey, user=member.user, status="draft").exists()
    wales = Consultation.objects.get(slug="wales-attendance-inclusion-guidance")
    assert not rules.is_in_audience(wales, member)
