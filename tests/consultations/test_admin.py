"""A publisher builds and opens a consultation in the admin; questions lock once anyone has
answered; the lifecycle goes through the services."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from consultations import services
from consultations.models import Consultation, ConsultationEvent, Phase, Question
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, staff_user

from .conftest import answers_for, make_consultation, qs

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/consultations/consultation/add/"


def change_url(c):
    return f"/admin/consultations/consultation/{c.pk}/change/"


@pytest.fixture
def publisher(client):
    user, _ = staff_user(Role.PUBLISHER)
    client.force_login(user)
    return client


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def base_form(**overrides):
    now = timezone.localtime()
    data = {
        "title": "School improvement funding",
        "slug": "school-improvement-funding",
        "summary": "What should the DfE do?",
        "background": "Some background.",
        "consulting_body": "dfe",
        "consulting_body_other": "",
        "external_url": "https://www.gov.uk/x",
        "opens_at_0": (now - timedelta(hours=1)).strftime("%Y-%m-%d"),
        "opens_at_1": (now - timedelta(hours=1)).strftime("%H:%M:%S"),
        "closes_at_0": (now + timedelta(days=14)).strftime("%Y-%m-%d"),
        "closes_at_1": "17:00:00",
        "audience_section": "",
        "audience_nations": ["england"],
        "audience_employer_kind": "",
        "outcome": "",
        "government_response": "",
        **management("sections"),
        **management("questions"),
    }
    data.update(overrides)
    return data


def test_publisher_role_has_the_permissions():
    codenames = set(
        Group.objects.get(name=Role.PUBLISHER)
        .permissions.filter(content_type__app_label="consultations")
        .values_list("codename", flat=True)
    )
    assert {"add_consultation", "change_question", "analyse_consultation"} <= codenames
    for role in (Role.CASEWORKER, Role.COMMUNICATIONS_OFFICER, Role.CASEWORK_MANAGER):
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(codename="analyse_consultation").exists()


def test_a_publisher_builds_and_opens_a_consultation_that_members_then_answer(publisher, teacher):
    client = Client()  # the member's browser, beside the publisher's
    response = publisher.post(
        ADD_URL,
        base_form(
            **management("sections", total=1),
            **{"sections-0-order": "0", "sections-0-title": "Funding", "sections-0-intro": ""},
            **management("questions", total=2),
            **{
                "questions-0-kind": "yes_no",
                "questions-0-text": "Is the funding enough?",
                "questions-0-required": "on",
                "questions-0-order": "1",
                "questions-0-scale_min": "1",
                "questions-0-scale_max": "5",
                "questions-1-kind": "single_choice",
                "questions-1-text": "Who should allocate it?",
                "questions-1-options": "Local authorities\nTrusts\n\n",
                "questions-1-order": "2",
                "questions-1-scale_min": "1",
                "questions-1-scale_max": "5",
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    c = Consultation.objects.get(slug="school-improvement-funding")
    assert c.phase() == Phase.DRAFT and c.questions.count() == 2
    assert c.audience_nations == ["england"]
    assert ConsultationEvent.objects.filter(consultation=c, action="created").exists()
    # A member cannot see the draft.
    client.force_login(teacher.user)
    assert client.get("/consultations/school-improvement-funding/").status_code == 404
    # The publisher submits it; a second publisher opens it.
    page = publisher.get(change_url(c)).content.decode()
    assert "Submit for review" in page
    response = publisher.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/submit/")
    assert response.status_code == 302
    page = publisher.get(change_url(c)).content.decode()
    assert services.OPEN_SELF_APPROVAL in page
    publisher.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/open/")
    c.refresh_from_db()
    assert c.phase() == Phase.DRAFT
    second = Client()
    second.force_login(staff_user(Role.PUBLISHER)[0])
    assert "Approve and open this consultation" in second.get(change_url(c)).content.decode()
    response = second.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/open/")
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.phase() == Phase.OPEN
    # The member answers it.
    client.force_login(teacher.user)
    q1, q2 = c.questions.order_by("order")
    response = client.post(
        c.get_absolute_url(),
        {"action": "submit", f"q{q1.pk}": "Yes", f"q{q2.pk}": "Trusts", "quote_consent": "no"},
    )
    assert response.status_code == 302
    assert c.responses.get().status == "submitted"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"closes_at_0": "2000-01-01"}, "The closing time must be after the opening time."),
        ({"slug": "Bad Slug!"}, "slug"),
        ({"consulting_body": "other"}, "Name the consulting body."),
        ({"external_url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"audience_nations": ["atlantis"]}, "Select a valid choice"),
        ({"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_consultation_fields_are_refused(publisher, overrides, error):
    response = publisher.post(ADD_URL, base_form(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("question", "error"),
    [
        ({"kind": "single_choice", "options": "Only one"}, "at least two options"),
        ({"kind": "yes_no", "options": "A\nB"}, "Only choice questions have options"),
        ({"kind": "scale", "scale_min": "5", "scale_max": "3"}, "must be above the lowest"),
        ({"kind": "scale", "scale_min": "1", "scale_max": "99"}, "less than or equal to 10"),
        ({"kind": "made_up"}, "Select a valid choice"),
    ],
)
def test_bad_questions_are_refused(publisher, question, error):
    data = base_form(**management("questions", total=1))
    data.update(
        {
            "questions-0-text": "A question?",
            "questions-0-order": "1",
            "questions-0-scale_min": "1",
            "questions-0-scale_max": "5",
        }
    )
    data.update({f"questions-0-{k}": v for k, v in question.items()})
    response = publisher.post(ADD_URL, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Question.objects.exists()


def test_a_condition_must_name_a_possible_answer(publisher):
    c = make_consultation(phase="draft")
    q = qs(c)
    url = change_url(c)
    page = publisher.get(url)
    formset = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "questions"
    ).formset
    data = base_form(slug=c.slug)
    data.update(management("sections", total=2, initial=2))
    for i, s in enumerate(c.sections.all()):
        data.update(
            {
                f"sections-{i}-id": s.pk,
                f"sections-{i}-order": s.order,
                f"sections-{i}-title": s.title,
                f"sections-{i}-consultation": c.pk,
            }
        )
    data.update(management("questions", total=len(formset.forms), initial=len(formset.forms)))
    for i, form in enumerate(formset.forms):
        obj = form.instance
        data.update(
            {
                f"questions-{i}-id": obj.pk,
                f"questions-{i}-consultation": c.pk,
                f"questions-{i}-section": obj.section_id or "",
                f"questions-{i}-order": obj.order,
                f"questions-{i}-kind": obj.kind,
                f"questions-{i}-text": obj.text,
                f"questions-{i}-help_text": obj.help_text,
                f"questions-{i}-options": obj.options,
                f"questions-{i}-scale_min": obj.scale_min,
                f"questions-{i}-scale_max": obj.scale_max,
                f"questions-{i}-scale_min_label": obj.scale_min_label,
                f"questions-{i}-scale_max_label": obj.scale_max_label,
                f"questions-{i}-condition_question": obj.condition_question_id or "",
                f"questions-{i}-condition_value": obj.condition_value,
            }
        )
        if obj.required:
            data[f"questions-{i}-required"] = "on"
        if obj.pk == q["useful"].pk:
            data[f"questions-{i}-condition_value"] = "Perhaps"
    response = publisher.post(url, data)
    assert response.status_code == 200
    assert "That is not a possible answer to the question this depends on: Yes / No." in (
        response.content.decode()
    )
    q["useful"].refresh_from_db()
    assert q["useful"].condition_value == "Yes"


def test_opening_needs_sensible_questions(publisher):
    empty = make_consultation(phase="draft", questions=False)
    response = publisher.post(
        f"/admin/consultations/consultation/{empty.pk}/lifecycle/submit/", follow=True
    )
    assert services.OPEN_NEEDS_QUESTIONS in response.content.decode()
    empty.refresh_from_db()
    assert empty.published_at is None and empty.submitted_at is None


def test_questions_lock_once_anyone_has_answered(publisher, teacher):
    c = make_consultation(phase="draft")
    url = change_url(c)
    page = publisher.get(url).content.decode()
    assert services.QUESTIONS_LOCKED not in page
    c.published_at = timezone.now() - timedelta(days=3)
    c.save(update_fields=["published_at"])
    services.response_save(consultation=c, user=teacher.user, answers={qs(c)["role"].pk: "Teacher"})
    page = publisher.get(url)
    html = page.content.decode()
    assert services.QUESTIONS_LOCKED in html
    questions = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "questions"
    )
    assert not questions.has_change_permission and not questions.has_add_permission
    # A hand-made POST adding a question is refused too.
    data = base_form(slug=c.slug, title=c.title, **management("questions", total=1))
    data.update(
        {
            "questions-0-kind": "yes_no",
            "questions-0-text": "Sneaked in?",
            "questions-0-order": "9",
            "questions-0-scale_min": "1",
            "questions-0-scale_max": "5",
        }
    )
    publisher.post(url, data)
    assert not Question.objects.filter(text="Sneaked in?").exists()
    # Anonymity cannot be switched either (read-only once published; refused by the service
    # too), and the consultation cannot be deleted.
    publisher.post(url, base_form(slug=c.slug, anonymous="on"))
    with pytest.raises(services.ConsultationError, match=services.PUBLISHED_FROZEN):
        c.anonymous = True
        services.consultation_save(consultation=c, by=None, changed=["anonymous"])
    c.refresh_from_db()
    assert c.anonymous is False
    assert publisher.get(f"/admin/consultations/consultation/{c.pk}/delete/").status_code == 403


def test_close_and_publish_the_outcome(publisher, client, teacher):
    c = make_consultation()
    services.response_save(
        consultation=c,
        user=teacher.user,
        answers=answers_for(qs(c)),
        quote_consent="no",
        submit=True,
    )
    step = f"/admin/consultations/consultation/{c.pk}/lifecycle/"
    assert publisher.get(step + "close/").status_code == 405
    assert publisher.post(step + "explode/").status_code == 404
    publisher.post(step + "publish-outcome/")
    c.refresh_from_db()
    assert c.outcome_published_at is None  # not closed yet
    publisher.post(step + "close/")
    c.refresh_from_db()
    assert c.phase() == Phase.CLOSED
    response = publisher.post(step + "publish-outcome/", follow=True)
    assert services.OUTCOME_NEEDS_TEXT in response.content.decode()
    c.outcome = "We said what members said."
    c.save()
    publisher.post(step + "publish-outcome/")
    c.refresh_from_db()
    assert c.phase() == Phase.OUTCOME
    assert [e.action for e in c.events.order_by("at")] == ["closed early", "outcome published"]
    client.force_login(teacher.user)
    page = client.get(c.get_absolute_url()).content.decode()
    assert "We said what members said." in page and "Your answers" in page


def test_staff_without_the_role_cannot_change_consultations(client):
    c = make_consultation(phase="draft")
    user, _ = staff_user(Role.CASEWORKER)
    client.force_login(user)
    assert client.get(change_url(c)).status_code in (302, 403)
    response = client.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/open/")
    assert response.status_code in (403, 404)
    c.refresh_from_db()
    assert c.published_at is None
    # And a member is no staff at all.
    client.force_login(MembershipFactory().user)
    assert (
        client.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/open/").status_code == 302
    )


def test_the_changelist_shows_phase_and_counts(publisher, django_assert_max_num_queries):
    for phase in ("draft", "open", "closed", "outcome"):
        make_consultation(phase=phase)
    page = publisher.get("/admin/consultations/consultation/").content.decode()
    for label in ("Draft", "Open", "Closed", "Outcome published"):
        assert label in page
