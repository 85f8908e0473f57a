"""Submitting for review from the change form (the edits are saved and submitted in one
step, or nothing is saved), the notice to the publishers who may approve, and their
"awaiting my review" list."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.roles import Role
from standards import services
from standards.models import EditionEvent, EditionStatus
from tests.factories import staff_user
from tests.standards.conftest import draft_document
from tests.standards.test_admin import edition_post_data, edition_url

pytestmark = pytest.mark.django_db

MINE = reverse("admin:standards_edition_changelist") + "?review=mine"


def test_the_submit_button_is_part_of_the_change_form(client, publisher):
    edition = draft_document(publisher)
    client.force_login(publisher)
    page = client.get(edition_url(edition)).content.decode()
    start = page.index('id="edition_form"')
    form = page[start : page.index("</form>", start)]
    assert 'name="_submit"' in form
    assert 'name="review_note"' in form
    # No link away from the form (which would lose what was typed).
    assert reverse("admin:standards_edition_workflow", args=[edition.pk, "submit"]) not in page


def test_save_and_submit_keeps_the_edits_and_submits(
    client, publisher, django_capture_on_commit_callbacks
):
    edition = draft_document(publisher)
    client.force_login(publisher)
    data = edition_post_data(
        edition,
        title="Six standards, revised",
        **{
            "standards-0-heading": "Children first",
            "review_note": "Ready for you.",
            "_submit": "1",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edition_url(edition), data)
    assert response.status_code == 302
    assert response["Location"] == edition_url(edition)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.IN_REVIEW
    assert edition.title == "Six standards, revised"
    assert edition.standards.get(number=1).heading == "Children first"
    submitted = edition.events.get(action=EditionEvent.Action.SUBMITTED)
    assert submitted.note == "Ready for you."
    page = client.get(edition_url(edition)).content.decode()
    assert "saved and submitted for review" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"review_note": "  "}, services.NOTE_REQUIRED),
        ({"review_note": "Ok.", "change_note": ""}, services.NO_CHANGE_NOTE),
        ({"review_note": "Ok.", "for_england": "", "for_wales": ""}, services.NO_NATION),
        ({"review_note": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_a_refused_submission_saves_nothing_and_keeps_what_was_typed(
    client, publisher, changes, message
):
    edition = draft_document(publisher)
    client.force_login(publisher)
    data = edition_post_data(edition, title="Typed but not saved", _submit="1", **changes)
    data = {key: value for key, value in data.items() if value != ""}
    response = client.post(edition_url(edition), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Typed but not saved"' in page
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT
    assert edition.title != "Typed but not saved"
    assert len(mail.outbox) == 0


def test_a_refusal_after_saving_rolls_the_edits_back(client, publisher):
    edition = draft_document(publisher)
    client.force_login(publisher)
    data = edition_post_data(edition, title="Not saved either", review_note="Ok.", _submit="1")
    for i in range(edition.standards.count()):
        data[f"standards-{i}-DELETE"] = "on"
    response = client.post(edition_url(edition), data, follow=True)
    assert services.NO_STANDARDS in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT
    assert edition.title != "Not saved either"
    assert edition.standards.count() == 6


def test_plain_save_does_not_submit(client, publisher):
    edition = draft_document(publisher)
    client.force_login(publisher)
    data = edition_post_data(edition, title="Only saved", review_note="Ignored.")
    assert client.post(edition_url(edition), data).status_code == 302
    edition.refresh_from_db()
    assert edition.title == "Only saved"
    assert edition.status == EditionStatus.DRAFT


def test_the_publishers_who_may_approve_are_told_without_the_text(
    publisher, publisher2, django_capture_on_commit_callbacks
):
    comms, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    edition = draft_document(publisher)
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_submit(edition=edition, by=publisher, note="Secret reviewer note.")
    assert [m.to[0] for m in mail.outbox] == [publisher2.email]
    message = mail.outbox[0]
    assert "awaits your review" in message.subject
    assert edition_url(edition) in message.body
    assert "?review=mine" in message.body
    for text in [
        edition.title,
        "Secret reviewer note.",
        *edition.standards.values_list("heading", flat=True),
    ]:
        assert text not in message.subject + message.body


def test_awaiting_my_review_lists_what_i_may_approve(client, publisher, publisher2):
    mine = draft_document(publisher2, slug="theirs", title="Written by the other one")
    services.edition_submit(edition=mine, by=publisher2, note="Ready.")
    own = draft_document(publisher, slug="own", title="Written by me")
    services.edition_submit(edition=own, by=publisher, note="Ready.")
    draft_document(publisher2, slug="draft", title="Still a draft")
    client.force_login(publisher)
    page = client.get(MINE).content.decode()
    assert "Written by the other one" in page
    assert "Written by me" not in page
    assert "Still a draft" not in page
    assert "Awaiting my review" in page
    # Linked from the standards section of the admin.
    index = client.get(reverse("admin:app_list", args=["standards"])).content.decode()
    assert 'href="/admin/standards/edition/?review=mine"' in index


def test_awaiting_my_review_with_bad_input_and_other_roles(client, publisher):
    client.force_login(publisher)
    base = reverse("admin:standards_edition_changelist")
    for bad in ["?review=all", "?review=", "?review=mine&review__in=x"]:
        assert client.get(base + bad).status_code == 400, bad
    caseworker, _ = staff_user(Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.get(MINE).status_code == 403
