"""Journey 5: a publisher drafts a new edition of a standards document in the admin and
submits it for review; a second publisher compares it with the edition before and approves
it, which publishes it; a visitor reads it, downloads its PDF, and finds the previous
edition kept at its own address, marked superseded. By mouse, keyboard only and on a
390 px phone."""

import re

import pytest

from portal.accounts.roles import Role
from standards import demo as standards_demo
from standards.models import Document, EditionStatus
from tests.factories import PASSWORD

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLUG = standards_demo.PRINCIPLES_SLUG
NEW_HEADING = "Independence from the schools supported"
CHANGE_NOTE = "Principle 3 now says whose independence it is about."


@pytest.fixture
def standards_published(demo_data):
    """The demo's Standards and Principles (what `make run` loads): two documents, one with
    a superseded first edition."""
    standards_demo.seed()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_publisher_drafts_a_second_approves_and_a_visitor_reads_it(
    portal, standards_published, broker, mode
):
    journey = portal.journey("j5-standards", mode)
    document = Document.objects.get(slug=SLUG)
    first = document.current_edition
    writer, writer_secret = portal.officer(
        Role.PUBLISHER, email="publisher.one@example.org", first_name="Pat", last_name="Lish"
    )
    approver, approver_secret = portal.officer(
        Role.PUBLISHER, email="publisher.two@example.org", first_name="Rae", last_name="View"
    )

    # The publisher starts edition 2 from the document's page in the admin.
    staff = portal.actor(journey, "publisher")
    staff.log_in(writer.email, PASSWORD, secret=writer_secret, prefix="publisher-")
    assert staff.path == "/admin/"
    staff.check("admin-index")
    staff.press("#content-main a[href='/admin/standards/document/']")
    staff.check("admin-documents")
    staff.press(f"#result_list a[href='/admin/standards/document/{document.pk}/change/']")
    staff.check("admin-document")
    staff.press(f"a[href='/admin/standards/document/{document.pk}/new-edition/']")
    staff.check("admin-new-edition")
    staff.submit("#content-main input[type=submit]")
    draft = document.editions.get(status=EditionStatus.DRAFT)
    assert draft.number == first.number + 1
    assert staff.path == f"/admin/standards/edition/{draft.pk}/change/"
    staff.check("admin-edition-draft")
    assert f"Edition {draft.number} started as a draft" in staff.page.inner_text("body")

    # It changes one principle and saves; then says what changed and, without saving
    # again, saves and submits it for review in one step: nothing typed is lost.
    numbers = list(draft.standards.order_by("number").values_list("number", flat=True))
    third = numbers.index(3)
    staff.fill(f"#id_standards-{third}-heading", NEW_HEADING)
    staff.submit("input[name=_continue]")
    staff.check("admin-edition-saved")
    assert draft.standards.get(number=3).heading == NEW_HEADING
    staff.fill("#id_change_note", CHANGE_NOTE)
    staff.press("a[href='#std-submit']", navigates=False)
    staff.check("admin-submit")
    assert staff.page.locator("#std-submit").is_visible()
    staff.fill("#id_review_note", "Ready for review: one heading made clearer.")
    staff.submit("input[name=_submit]")
    staff.check("admin-edition-in-review")
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_by) == (EditionStatus.IN_REVIEW, writer)
    assert draft.change_note == CHANGE_NOTE
    body = staff.page.inner_text("body")
    assert "saved and submitted for review" in body
    assert "Waiting for another publisher to approve it" in body
    # The writer cannot approve their own edition.
    approve_link = f"a[href='/admin/standards/edition/{draft.pk}/workflow/approve/']"
    assert staff.page.locator(approve_link).count() == 0

    # The second publisher is told (a notice with a link, not the text); the link opens
    # the editions awaiting their review. They compare it and approve it.
    queued = broker.queued()
    assert queued and set(queued) == {"portal.communications.tasks.delivery_send"}
    broker.work()
    notices = [m for m in portal.mail() if m.to == [approver.email]]
    assert [m.subject for m in notices] == ["An edition awaits your review"]
    assert not [m for m in portal.mail() if m.to == [writer.email]]
    assert NEW_HEADING not in notices[0].body
    link = re.search(r"https?://\S+(/admin/standards/edition/\?review=mine)", notices[0].body)
    other = portal.actor(journey, "second publisher")
    other.log_in(approver.email, PASSWORD, secret=approver_secret, prefix="approver-")
    other.goto(link.group(1), "admin-editions-in-review")
    assert "Awaiting my review" in other.page.inner_text("#changelist-filter")
    other.press(f"#result_list a[href^='/admin/standards/edition/{draft.pk}/change/']")
    other.check("admin-edition-to-approve")
    other.press(f"a[href='/admin/standards/edition/{draft.pk}/diff/']")
    other.check("admin-diff")
    assert NEW_HEADING in other.page.inner_text("#content-main")
    other.page.go_back()
    other.press(approve_link)
    other.check("admin-approve")
    other.fill("#id_note", "Checked against the agreed wording.")
    other.submit("#content-main input[type=submit]")
    other.check("admin-edition-published")
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (draft.status, draft.approved_by) == (EditionStatus.PUBLISHED, approver)
    assert first.status == EditionStatus.SUPERSEDED
    # Publishing asked a worker to render the PDFs of both editions (the old one now says
    # superseded): the worker does that now, as it would in production.
    assert broker.queued().count("standards.tasks.render_edition_pdf") == 2
    broker.work()

    # A visitor finds it in the list, reads it and downloads its PDF.
    visitor = portal.actor(journey, "visitor")
    visitor.goto("/standards/", "standards-list")
    visitor.press(f"main a[href='/standards/{SLUG}/']")
    visitor.check("standard")
    text = visitor.text()
    assert f"Principle 3: {NEW_HEADING}" in text
    meta = visitor.page.inner_text(".standards-meta")
    assert f"{draft.number}, published" in meta and "Current" in meta
    assert CHANGE_NOTE in text
    pdf_path = f"/standards/{SLUG}/pdf/"
    with visitor.page.expect_response(visitor.url(pdf_path)) as pdf:
        visitor.press(f"main a[href='{pdf_path}']", navigates=False)
    assert pdf.value.status == 200
    assert pdf.value.headers["content-type"] == "application/pdf"
    disposition = pdf.value.headers["content-disposition"]
    assert f'filename="{SLUG}-edition-{draft.number}.pdf"' in disposition
    # Chromium shows it in its PDF viewer; the bytes, fetched again with the visitor's
    # cookies, are a PDF.
    again = visitor.context.request.get(visitor.url(pdf_path))
    assert again.ok and again.body().startswith(b"%PDF-")
    visitor.page.go_back()
    assert visitor.path == f"/standards/{SLUG}/"

    # The previous edition is still there, marked superseded, pointing to the current one.
    visitor.press(f"main a[href='/standards/{SLUG}/editions/{first.number}/']")
    visitor.check("standard-superseded")
    text = visitor.text()
    assert "This edition has been superseded" in text
    assert f"Read the current edition (edition {draft.number})" in text
    assert NEW_HEADING not in text
