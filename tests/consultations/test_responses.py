"""A member answers: drafts, submission, changes until the close, conditions, required
answers, consent, and hostile input in every field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import forms, services, views
from consultations.models import Answer, QuoteConsent, Response, ResponseStatus
from tests.exports import exported_json

from .conftest import answers_for, make_consultation, post_data, qs

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, teacher):
    client.force_login(teacher.user)
    return client


def saved(response):
    """A response's answers as {question text: [values]}."""
    out = {}
    for a in Answer.objects.filter(response=response).select_related("question"):
        out.setdefault(a.question.text, []).append(a.text or a.choice)
    return out


def test_the_page_shows_background_then_a_form_with_csrf(logged_in, consultation):
    html = logged_in.get(consultation.get_absolute_url()).content.decode()
    assert html.index("The background, in Markdown.") < html.index(
        f'action="{consultation.get_absolute_url()}"'
    )
    assert "csrfmiddlewaretoken" in html
    for text in ["1. Which best describes you?", "3. How useful was it?", "6. Tell us more"]:
        assert text in html
    assert "Answer this only if your answer to question 2 is &quot;Yes&quot;." in html
    assert "(optional)" in html  # optional questions say so
    assert 'data-show-if="q' in html  # the small script's hook; the server still decides


def test_draft_then_come_back_then_submit_then_edit_until_close(logged_in, teacher, consultation):
    q = qs(consultation)
    url = consultation.get_absolute_url()
    # A draft may be incomplete.
    response = logged_in.post(url, {"action": "save_draft", f"q{q['role'].pk}": "Leader"})
    assert response.status_code == 302
    r = Response.objects.get(user=teacher.user)
    assert r.status == ResponseStatus.DRAFT
    assert saved(r) == {"Which best describes you?": ["Leader"]}
    # Coming back, the form shows what was saved.
    page = logged_in.get(url).content.decode()
    assert "You saved a draft" in page
    assert 'value="Leader" id="id_q{}_1" checked'.format(q["role"].pk) in page or (
        'value="Leader"' in page and "checked" in page
    )
    # Submitting it needs every required answer and the consent.
    response = logged_in.post(url, post_data(q, consent="anonymous"))
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == ResponseStatus.SUBMITTED and r.submitted_at is not None
    assert r.quote_consent == QuoteConsent.ANONYMOUS
    assert r.section == teacher.section and r.nation == teacher.nation
    first_submitted = r.submitted_at
    page = logged_in.get(url).content.decode()
    assert "You submitted your response" in page and "Save changes" in page
    # Changes until it closes.
    response = logged_in.post(url, post_data(q, role="Adviser", kinds=["Peer review"]))
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == ResponseStatus.SUBMITTED and r.submitted_at == first_submitted
    assert saved(r)["Which best describes you?"] == ["Adviser"]
    assert saved(r)["Which kinds of support help?"] == ["Peer review"]
    assert Response.objects.filter(user=teacher.user).count() == 1


def test_a_submitted_response_cannot_be_emptied_by_saving_a_draft(logged_in, consultation):
    q = qs(consultation)
    url = consultation.get_absolute_url()
    logged_in.post(url, post_data(q))
    response = logged_in.post(url, {"action": "save_draft", "quote_consent": "named"})
    assert response.status_code == 400
    assert forms.REQUIRED_ANSWER in response.content.decode()
    assert Response.objects.get().status == ResponseStatus.SUBMITTED
    assert "Which best describes you?" in saved(Response.objects.get())


def test_after_the_close_answers_are_refused_and_shown_read_only(logged_in, teacher, consultation):
    q = qs(consultation)
    services.response_save(
        consultation=consultation,
        user=teacher.user,
        answers=answers_for(q, story="<b>my words</b>"),
        quote_consent="no",
        submit=True,
    )
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save()
    url = consultation.get_absolute_url()
    response = logged_in.post(url, post_data(q, role="Leader"))
    assert response.status_code == 400
    assert services.CLOSED in response.content.decode()
    assert saved(Response.objects.get())["Which best describes you?"] == ["Teacher"]
    page = logged_in.get(url).content.decode()
    assert "Your answers" in page and "&lt;b&gt;my words&lt;/b&gt;" in page
    assert 'name="action"' not in page
    with pytest.raises(services.ConsultationError, match="closed"):
        services.response_save(
            consultation=consultation, user=teacher.user, answers={}, submit=False
        )


def test_a_draft_not_submitted_by_the_close_is_shown_as_not_counted(
    logged_in, teacher, consultation
):
    q = qs(consultation)
    services.response_save(
        consultation=consultation, user=teacher.user, answers={q["role"].pk: "Teacher"}
    )
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save()
    page = logged_in.get(consultation.get_absolute_url()).content.decode()
    assert "did not submit it before the consultation closed" in page


def test_hidden_conditional_answers_are_not_saved_and_not_required(logged_in, consultation):
    q = qs(consultation)
    url = consultation.get_absolute_url()
    # Q3 shows only if Q2 is Yes. Answer No, but send a Q3 value anyway (no JavaScript, or
    # a hand-made POST): it is dropped, and its being required does not matter.
    response = logged_in.post(url, post_data(q, support="No", useful="5"))
    assert response.status_code == 302
    answers = saved(Response.objects.get())
    assert answers["Have you had support?"] == ["No"]
    assert "How useful was it?" not in answers
    # Answering Yes makes Q3 shown, and so required.
    response = logged_in.post(url, post_data(q, support="Yes", useful=""))
    assert response.status_code == 400
    assert forms.REQUIRED_ANSWER in response.content.decode()
    response = logged_in.post(url, post_data(q, support="Yes", useful="2"))
    assert saved(Response.objects.get())["How useful was it?"] == ["2"]
    # Changing Q2 back to No removes the now-hidden answer.
    logged_in.post(url, post_data(q, support="No", useful="2"))
    assert "How useful was it?" not in saved(Response.objects.get())


def test_conditions_chain_and_match_multiple_choice(teacher, consultation):
    q = qs(consultation)
    from consultations.models import Question, QuestionKind

    chained = Question.objects.create(
        consultation=consultation,
        section=q["useful"].section,
        order=3,
        kind=QuestionKind.SHORT_TEXT,
        text="Why so useful?",
        condition_question=q["useful"],
        condition_value="5",
    )
    on_multi = Question.objects.create(
        consultation=consultation,
        section=q["kinds"].section,
        order=5,
        kind=QuestionKind.SHORT_TEXT,
        text="Which data?",
        condition_question=q["kinds"],
        condition_value="data",
    )
    answers = answers_for(q, support="No", useful="5", kinds=["Data"])
    answers[chained.pk] = "hidden because Q2 is No"
    answers[on_multi.pk] = "shown because Data was chosen"
    r = services.response_save(
        consultation=consultation,
        user=teacher.user,
        answers=answers,
        quote_consent="no",
        submit=True,
    )
    got = saved(r)
    assert "Why so useful?" not in got
    assert got["Which data?"] == ["shown because Data was chosen"]


def test_required_answers_and_consent_are_needed_to_submit(logged_in, consultation):
    q = qs(consultation)
    url = consultation.get_absolute_url()
    response = logged_in.post(url, {"action": "submit"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert html.count(forms.REQUIRED_ANSWER) >= 2  # Q1 and Q2 (Q3 is hidden)
    assert forms.CONSENT_REQUIRED in html
    assert not Response.objects.exists()
    # Optional questions may be left out.
    response = logged_in.post(url, post_data(q, kinds=[], one_line="", story=""))
    assert response.status_code == 302


HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example")',
    "'; DROP TABLE consultations_response; --",
    "{{ settings.SECRET_KEY }}",
    "\u202eRTL override \U0001f600",
]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("role", "Headteacher", "Select a valid choice"),
        ("role", ["Teacher", "Leader"], None),  # two values for one choice: the last wins
        ("support", "maybe", "Select a valid choice"),
        ("useful", "6", "Select a valid choice"),
        ("useful", "3.5", "Select a valid choice"),
        ("useful", "-1", "Select a valid choice"),
        ("kinds", ["Mentoring", "Bribery"], "Select a valid choice"),
        ("one_line", "x" * (forms.SHORT_TEXT_MAX + 1), "at most 500 characters"),
        ("story", "x" * (forms.LONG_TEXT_MAX + 1), "at most 10000 characters"),
        ("story", "null\x00byte", "Null characters are not allowed"),
        ("one_line", "null\x00byte", "Null characters are not allowed"),
    ],
)
def test_bad_input_in_every_field_is_refused_and_nothing_is_saved(
    logged_in, consultation, field, value, message
):
    q = qs(consultation)
    response = logged_in.post(consultation.get_absolute_url(), post_data(q, **{field: value}))
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete"},
        {"action": ""},
        {},
        {"action": "submit", "quote_consent": "everyone"},
        {"action": "save_draft", "quote_consent": "<script>"},
    ],
)
def test_bad_action_and_consent_values_are_refused(logged_in, consultation, data):
    response = logged_in.post(consultation.get_absolute_url(), data)
    assert response.status_code == 400
    assert not Response.objects.exists()


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_hostile_text_is_stored_as_written_and_shown_escaped(logged_in, teacher, text):
    consultation = make_consultation()
    q = qs(consultation)
    url = consultation.get_absolute_url()
    assert logged_in.post(url, post_data(q, one_line=text[:500], story=text)).status_code == 302
    assert saved(Response.objects.get())["Tell us more"] == [text.strip()]
    consultation.closes_at = timezone.now() - timedelta(seconds=1)
    consultation.save()
    page = logged_in.get(url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "Your answers" in page


def test_unknown_question_ids_are_ignored(logged_in, consultation):
    q = qs(consultation)
    data = post_data(q)
    data["q999999"] = "sneaky"
    data["qabc"] = "sneaky"
    assert logged_in.post(consultation.get_absolute_url(), data).status_code == 302
    assert "sneaky" not in str(saved(Response.objects.get()))


def test_the_service_refuses_values_no_form_could_send(teacher, consultation):
    q = qs(consultation)
    for bad in [{q["role"].pk: "Astronaut"}, {q["kinds"].pk: "Mentoring"}, {q["useful"].pk: 9}]:
        with pytest.raises(services.ConsultationError) as error:
            services.response_save(
                consultation=consultation, user=teacher.user, answers=bad, submit=False
            )
        assert error.value.message == services.INVALID_ANSWER
    assert not Response.objects.exists()


def test_anonymous_consultations_do_not_offer_named_quoting(logged_in, teacher):
    consultation = make_consultation(anonymous=True)
    q = qs(consultation)
    page = logged_in.get(consultation.get_absolute_url()).content.decode()
    assert 'value="named"' not in page
    assert forms.CONSENT_HELP_ANONYMOUS in page
    response = logged_in.post(consultation.get_absolute_url(), post_data(q, consent="named"))
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_a_submitted_message_is_shown(logged_in, consultation):
    q = qs(consultation)
    response = logged_in.post(consultation.get_absolute_url(), post_data(q), follow=True)
    assert views.SUBMITTED in response.content.decode()


def test_dashboard_panel_lists_unanswered_and_drafts(logged_in, teacher):
    unanswered = make_consultation(title="Not started yet")
    drafted = make_consultation(title="Half done")
    done = make_consultation(title="All done")
    services.response_save(
        consultation=drafted,
        user=teacher.user,
        answers={qs(drafted)["role"].pk: "Teacher"},
    )
    services.response_save(
        consultation=done,
        user=teacher.user,
        answers=answers_for(qs(done)),
        quote_consent="no",
        submit=True,
    )
    page = logged_in.get("/me/").content.decode()
    assert "Consultations waiting for you" in page
    panel = page.split("Consultations waiting for you", 1)[1]
    assert "Drafts to finish" in panel and drafted.title in panel
    assert unanswered.title in panel
    assert done.title not in panel


def test_dashboard_panel_is_hidden_when_nothing_waits(client, teacher):
    client.force_login(teacher.user)
    assert "Consultations waiting for you" not in client.get("/me/").content.decode()


def test_data_export_has_the_members_own_answers(logged_in, teacher, consultation):
    q = qs(consultation)
    services.response_save(
        consultation=consultation,
        user=teacher.user,
        answers=answers_for(q),
        quote_consent="anonymous",
        submit=True,
    )
    other = make_consultation()
    data = exported_json(logged_in, teacher.user)["consultation_responses"]
    assert len(data) == 1
    item = data[0]
    assert item["consultation"] == consultation.title
    assert item["status"] == "Submitted"
    assert item["may_quote"] == QuoteConsent.ANONYMOUS.label
    answers = {a["question"]: a["answer"] for a in item["answers"]}
    assert answers["Which kinds of support help?"] == ["Mentoring", "Data"]
    assert answers["Tell us more"] == "A longer story about support."
    assert other.title not in str(data)
