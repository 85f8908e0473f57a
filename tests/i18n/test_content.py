"""Staff-written content in both languages: Welsh where it is written, English where it is
not; answers kept as the member gave them, with the language they gave them in."""

from __future__ import annotations

import pytest
from django.utils import translation

from consultations.models import Response
from portal.communications.models import Communication
from portal.communications.rendering import composer_for
from tests.consultations.conftest import make_consultation, post_data, qs, teacher  # noqa: F401


@pytest.fixture
def logged_in(client, teacher):  # noqa: F811
    client.force_login(teacher.user)
    return client


def test_a_consultation_without_welsh_shows_its_english_on_welsh_pages(logged_in):
    consultation = make_consultation(title="Funding for school improvement")
    page = logged_in.get("/cy" + consultation.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert '<html lang="cy">' in text
    assert "Funding for school improvement" in text
    assert "Which best describes you?" in text
    listing = logged_in.get("/cy/consultations/").content.decode()
    assert "Funding for school improvement" in listing


def test_a_consultation_with_welsh_shows_it_and_keeps_answers_comparable(logged_in, teacher):  # noqa: F811
    consultation = make_consultation(title="Funding for school improvement")
    consultation.title_cy = "Cyllid ar gyfer gwella ysgolion"
    consultation.save(update_fields=["title_cy"])
    q = qs(consultation)
    q["role"].text_cy = "Pa un sy'n eich disgrifio orau?"
    q["role"].options_cy = "Athro\nArweinydd\nCynghorydd"
    q["role"].save(update_fields=["text_cy", "options_cy"])
    english_url = consultation.get_absolute_url()
    url = "/cy" + english_url
    page = logged_in.get(url).content.decode()
    assert "Cyllid ar gyfer gwella ysgolion" in page
    assert "Funding for school improvement" not in page
    assert "Pa un sy&#x27;n eich disgrifio orau?" in page or "Pa un sy'n eich" in page
    assert ">Arweinydd<" in page.replace("\n", "").replace("  ", "") or "Arweinydd" in page
    # The English page is unchanged.
    english = logged_in.get(english_url).content.decode()
    assert "Funding for school improvement" in english and "Arweinydd" not in english
    # Answering on the Welsh page: the choice is stored as the English option, the free
    # text as written, and the response remembers it was given in Welsh.
    data = post_data(q, role="Leader", story="Mae angen mwy o amser arnom.")
    response = logged_in.post(url, data)
    assert response.status_code == 302
    saved = Response.objects.get(user=teacher.user)
    assert saved.language == "cy"
    answers = {a.question_id: (a.choice, a.text) for a in saved.answers.all()}
    assert answers[q["role"].pk][0] == "Leader"
    assert "Mae angen mwy o amser arnom." in answers[q["story"].pk]


@pytest.mark.django_db
def test_a_communication_goes_out_in_each_members_language():
    communication = Communication(
        kind="newsletter",
        subject="Pay award news",
        body="Hello {first_name}, the pay award is out.",
    )
    communication.subject_cy = "Newyddion am y dyfarniad cyflog"
    communication.body_cy = "Helo {first_name}, mae'r dyfarniad cyflog wedi'i gyhoeddi."
    english = composer_for(communication, language="en-gb")
    welsh = composer_for(communication, language="cy")
    assert english.subject == "Pay award news" and "pay award is out" in english.text
    assert welsh.subject == "Newyddion am y dyfarniad cyflog"
    assert "dyfarniad cyflog wedi" in welsh.text and "pay award is out" not in welsh.text
    assert 'lang="cy"' in welsh.html or "Helo" in welsh.html


@pytest.mark.django_db
def test_a_communication_without_welsh_goes_to_welsh_readers_in_english():
    communication = Communication(kind="newsletter", subject="Pay award news", body="It is out.")
    welsh = composer_for(communication, language="cy")
    assert welsh.subject == "Pay award news" and "It is out." in welsh.text
    with translation.override("cy"):
        assert communication.subject == "Pay award news"
