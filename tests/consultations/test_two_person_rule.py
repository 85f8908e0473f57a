"""Opening a consultation and publishing its outcome need a second publisher, and the rule
survives "edit, then approve yourself": whoever created, changed (fields or questions) or
submitted it cannot open it; a change after submission returns it to draft; what members
read is frozen once it is open; whoever wrote the outcome cannot publish it."""

import re

import pytest
from django.test import Client

from consultations import services
from consultations.models import Consultation, Phase, Question
from portal.accounts.roles import Role
from tests.factories import staff_user

from .conftest import make_consultation
from .test_admin import base_form, management

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step(c, name):
    return f"/admin/consultations/consultation/{c.pk}/lifecycle/{name}/"


def change(c):
    return f"/admin/consultations/consultation/{c.pk}/change/"


@pytest.fixture
def publishers(db):
    return staff_user(Role.PUBLISHER)[0], staff_user(Role.PUBLISHER)[0]


def form_of(c, **overrides):
    data = base_form(
        title=c.title,
        slug=c.slug,
        summary=c.summary,
        background=c.background,
        audience_nations=[],
        **management("sections", total=c.sections.count(), initial=c.sections.count()),
        **management("questions", total=c.questions.count(), initial=c.questions.count()),
    )
    for i, section in enumerate(c.sections.order_by("order", "pk")):
        data |= {
            f"sections-{i}-id": str(section.pk),
            f"sections-{i}-consultation": str(c.pk),
            f"sections-{i}-order": str(section.order),
            f"sections-{i}-title": section.title,
            f"sections-{i}-intro": section.intro,
        }
    for i, q in enumerate(c.questions.order_by("order", "pk")):
        data |= {
            f"questions-{i}-id": str(q.pk),
            f"questions-{i}-consultation": str(c.pk),
            f"questions-{i}-section": str(q.section_id or ""),
            f"questions-{i}-order": str(q.order),
            f"questions-{i}-kind": q.kind,
            f"questions-{i}-text": q.text,
            f"questions-{i}-help_text": q.help_text,
            f"questions-{i}-options": q.options,
            f"questions-{i}-scale_min": str(q.scale_min),
            f"questions-{i}-scale_max": str(q.scale_max),
            f"questions-{i}-scale_min_label": q.scale_min_label,
            f"questions-{i}-scale_max_label": q.scale_max_label,
            f"questions-{i}-condition_question": str(q.condition_question_id or ""),
            f"questions-{i}-condition_value": q.condition_value,
        }
        if q.required:
            data[f"questions-{i}-required"] = "on"
    data |= overrides
    return data


def test_nobody_opens_a_consultation_alone(publishers):
    writer, _ = publishers
    c = make_consultation(phase="draft")
    # Not without review, and not after submitting it themselves.
    with pytest.raises(services.ConsultationError, match=re.escape(services.OPEN_NEEDS_REVIEW)):
        services.consultation_open(consultation=c, by=writer)
    services.consultation_submit(consultation=c, by=writer)
    with pytest.raises(services.ConsultationError, match=re.escape(services.OPEN_SELF_APPROVAL)):
        services.consultation_open(consultation=c, by=writer)
    # Nor with no person at all, nor by someone without the publisher's permission.
    comms = staff_user(Role.COMMUNICATIONS_OFFICER)[0]
    for nobody in (None, comms):
        with pytest.raises(services.ConsultationError, match=re.escape(services.NO_APPROVER)):
            services.consultation_open(consultation=c, by=nobody)
    c.refresh_from_db()
    assert c.phase() == Phase.DRAFT


def test_edit_then_approve_yourself_fails_through_the_admin(publishers):
    """The phishing-style attack: the second publisher rewrites a colleague's submitted draft
    in the admin, then tries to open it themselves."""
    writer, second = publishers
    c = make_consultation(phase="draft")
    services.consultation_submit(consultation=c, by=writer)
    admin = browser(second)
    response = admin.post(change(c), form_of(c, summary="Rewritten: click this link."))
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.summary == "Rewritten: click this link."
    assert c.submitted_at is None  # the change returned it to draft
    assert c.events.filter(action="returned to draft").exists()
    # They submit it again and try to open it: refused, they changed it.
    admin.post(step(c, "submit"))
    c.refresh_from_db()
    assert c.submitted_at is not None
    page = admin.get(change(c)).content.decode()
    assert services.OPEN_SELF_APPROVAL in page
    assert "Approve and open this consultation" not in page
    response = admin.post(step(c, "open"), follow=True)
    assert services.OPEN_SELF_APPROVAL in response.content.decode()
    c.refresh_from_db()
    assert c.published_at is None
    # The first submitter vouched for an earlier version: they count as an author too.
    with pytest.raises(services.ConsultationError, match=re.escape(services.OPEN_SELF_APPROVAL)):
        services.consultation_open(consultation=c, by=writer)
    # A third publisher, who changed nothing, opens it.
    third = staff_user(Role.PUBLISHER)[0]
    browser(third).post(step(c, "open"))
    c.refresh_from_db()
    assert c.phase() == Phase.OPEN and c.opened_by == third


def test_changing_a_question_makes_you_an_editor_and_returns_it_to_draft(publishers):
    writer, second = publishers
    c = make_consultation(phase="draft")
    services.consultation_submit(consultation=c, by=writer)
    admin = browser(second)
    first = c.questions.order_by("order", "pk").first()
    response = admin.post(change(c), form_of(c, **{"questions-0-text": "A rewritten question"}))
    assert response.status_code == 302
    assert Question.objects.get(pk=first.pk).text == "A rewritten question"
    c.refresh_from_db()
    assert c.submitted_at is None
    services.consultation_submit(consultation=c, by=writer)
    with pytest.raises(services.ConsultationError, match=re.escape(services.OPEN_SELF_APPROVAL)):
        services.consultation_open(consultation=c, by=second)


def test_what_members_read_is_frozen_once_open(publishers):
    writer, second = publishers
    c = make_consultation(phase="draft")
    services.consultation_submit(consultation=c, by=writer)
    services.consultation_open(consultation=c, by=second)
    admin = browser(writer)
    admin.post(change(c), form_of(c, summary="Changed after opening."))
    c.refresh_from_db()
    assert c.summary != "Changed after opening."
    with pytest.raises(services.ConsultationError, match=re.escape(services.PUBLISHED_FROZEN)):
        c.summary = "Changed after opening."
        services.consultation_save(consultation=c, by=writer, changed=["summary"])
    c.refresh_from_db()
    assert c.summary != "Changed after opening."
    q = c.questions.order_by("order", "pk").first()
    admin.post(change(c), form_of(c, **{"questions-0-text": "Sneaked in"}))
    assert Question.objects.get(pk=q.pk).text == q.text
    with pytest.raises(services.ConsultationError, match=re.escape(services.QUESTIONS_PUBLISHED)):
        services.questions_save(consultation=c, by=writer, save=lambda: None)


def test_whoever_wrote_the_outcome_cannot_publish_it(publishers):
    writer, second = publishers
    c = make_consultation(phase="closed")
    c.outcome = "We told the Department what members said."
    services.consultation_save(consultation=c, by=writer, changed=["outcome"])
    with pytest.raises(services.ConsultationError, match=re.escape(services.OUTCOME_SELF_APPROVAL)):
        services.consultation_publish_outcome(consultation=c, by=writer)
    services.consultation_publish_outcome(consultation=c, by=second)
    c.refresh_from_db()
    assert c.phase() == Phase.OUTCOME
    # The approver then rewrites the published outcome: it goes back until someone else
    # publishes it again, and they cannot.
    c.outcome = "Something else entirely."
    services.consultation_save(consultation=c, by=second, changed=["outcome"])
    c.refresh_from_db()
    assert c.phase() == Phase.CLOSED
    with pytest.raises(services.ConsultationError, match=re.escape(services.OUTCOME_SELF_APPROVAL)):
        services.consultation_publish_outcome(consultation=c, by=second)
    assert Consultation.objects.get(pk=c.pk).outcome_published_at is None


def test_the_bulk_open_action_follows_the_same_rule(publishers):
    writer, _ = publishers
    c = make_consultation(phase="draft")
    services.consultation_submit(consultation=c, by=writer)
    admin = browser(writer)
    response = admin.post(
        "/admin/consultations/consultation/",
        {"action": "open_selected", "_selected_action": [c.pk]},
        follow=True,
    )
    assert services.OPEN_SELF_APPROVAL in response.content.decode()
    c.refresh_from_db()
    assert c.published_at is None


def test_unknown_steps_and_resubmission_are_refused(publishers):
    writer, _ = publishers
    c = make_consultation(phase="draft")
    admin = browser(writer)
    assert admin.post(step(c, "approve-myself")).status_code == 404
    assert admin.get(step(c, "submit")).status_code == 405
    services.consultation_submit(consultation=c, by=writer)
    with pytest.raises(services.ConsultationError, match=re.escape(services.SUBMIT_ONLY_DRAFT)):
        services.consultation_submit(consultation=c, by=writer)
