"""The member's CPD record: their own entries (add, change, delete), evidence checked like
case files, totals by CPD year, the record PDF, the data download; anyone else's entry,
file or PDF is a 404 and bad input saves nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cpd import forms as cpd_forms
from cpd import selectors, services
from cpd.models import CPDEntry, CPDEvidence
from tests.casework.conftest import PDF_BYTES
from tests.exports import download_export
from tests.factories import MembershipFactory
from tests.standards.conftest import pdf_text

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "Behaviour management course",
        "provider": "Local authority",
        "done_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "hours": "2.5",
        "reflection": "Use the calm corner earlier.",
    }
    data.update(overrides)
    return data


def pdf_file(name="certificate.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def add(user, **overrides):
    fields = {
        "title": "Reading research",
        "provider": "",
        "done_on": timezone.localdate() - timedelta(days=10),
        "hours": Decimal("1.5"),
        "reflection": "",
    }
    fields.update(overrides)
    return services.cpd_entry_create(user=user, **fields)


def test_a_member_adds_an_entry_with_evidence_and_sees_it_with_the_hours(member_client, member):
    response = member_client.post(
        reverse("cpd:new"), form_data(evidence=[pdf_file()]), format="multipart"
    )
    assert response.status_code == 302
    entry = CPDEntry.objects.get(user=member)
    assert entry.hours == Decimal("2.5") and entry.reflection == "Use the calm corner earlier."
    evidence = entry.evidence.get()
    assert evidence.name == "certificate.pdf" and evidence.content_type == "application/pdf"
    # Stored encrypted: the bytes on disk are not the file.
    with evidence.file.open("rb") as handle:
        assert handle.read() != PDF_BYTES
    page = member_client.get(reverse("cpd:record")).content.decode()
    assert "Behaviour management course" in page and "2.5 hours" in page
    download = member_client.get(reverse("cpd:evidence", args=[entry.pk, evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "attachment" in download["Content-Disposition"]


def test_a_member_changes_and_deletes_their_own_entry(
    member_client, member, django_capture_on_commit_callbacks
):
    entry = add(member)
    evidence = services.cpd_entry_update(
        entry=entry,
        title=entry.title,
        provider="",
        done_on=entry.done_on,
        hours=entry.hours,
        files=cpd_forms.check_files([pdf_file()]),
    ).evidence.get()
    stored = evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("cpd:edit", args=[entry.pk]),
            form_data(title="Reading research, part 2", hours="4", remove_evidence=[evidence.pk]),
        )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Reading research, part 2" and entry.hours == 4
    assert not entry.evidence.exists()
    assert not evidence.file.storage.exists(stored)
    assert member_client.get(reverse("cpd:delete", args=[entry.pk])).status_code == 200
    assert member_client.post(reverse("cpd:delete", args=[entry.pk])).status_code == 302
    assert not CPDEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hours": "-2"}, "hours", services.HOURS_TOO_FEW),
        ({"hours": "0"}, "hours", services.HOURS_TOO_FEW),
        ({"hours": "5000"}, "hours", services.HOURS_TOO_MANY),
        ({"hours": "99999999"}, "hours", services.HOURS_TOO_MANY),
        ({"hours": "1.234"}, "hours", cpd_forms.HOURS_PRECISION),
        ({"hours": "lots"}, "hours", cpd_forms.HOURS_INVALID),
        ({"hours": "NaN"}, "hours", cpd_forms.HOURS_INVALID),
        ({"hours": ""}, "hours", cpd_forms.HOURS_REQUIRED),
        (
            {"done_on": (timezone.localdate() + timedelta(days=30)).isoformat()},
            "done_on",
            services.DATE_IN_FUTURE,
        ),
        ({"done_on": "1900-01-01"}, "done_on", services.DATE_TOO_EARLY),
        ({"done_on": "2026-02-31"}, "done_on", cpd_forms.DATE_INVALID),
        ({"title": ""}, "title", cpd_forms.TITLE_REQUIRED),
        ({"title": "x" * 201}, "title", None),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    member_client, member, overrides, field, message
):
    response = member_client.post(
        reverse("cpd:new"), form_data(**overrides, evidence=[pdf_file()]), format="multipart"
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    if message is not None:
        assert str(message) in form.errors[field]
    assert "There is a problem" in response.content.decode()
    assert not CPDEntry.objects.exists() and not CPDEvidence.objects.exists()


def test_a_bad_file_type_or_an_oversize_file_is_refused_and_nothing_saved(
    member_client, member, settings
):
    fake = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00" + b"\0" * 64, content_type="application/pdf")
    response = member_client.post(reverse("cpd:new"), form_data(evidence=[fake]))
    assert response.status_code == 400
    assert "is not a PDF, Word document" in response.content.decode()
    settings.CASEWORK_MAX_FILE_MB = 1
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 10), content_type="text/plain")
    response = member_client.post(reverse("cpd:new"), form_data(evidence=[big]))
    assert response.status_code == 400
    assert "is larger than 1 MB" in response.content.decode()
    assert not CPDEntry.objects.exists() and not CPDEvidence.objects.exists()
    # A bad file on an edit changes nothing either.
    entry = add(member, title="Kept as it was")
    response = member_client.post(
        reverse("cpd:edit", args=[entry.pk]), form_data(title="Changed", evidence=[fake])
    )
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.title == "Kept as it was" and not entry.evidence.exists()


def test_the_service_refuses_what_the_form_refuses(member):
    with pytest.raises(services.ValidationError):
        add(member, hours=Decimal("-1"))
    with pytest.raises(services.ValidationError):
        add(member, done_on=timezone.localdate() + timedelta(days=1))
    assert not CPDEntry.objects.exists()


def test_someone_elses_entry_evidence_and_pages_are_404(client, member, other_member):
    entry = add(member)
    entry = services.cpd_entry_update(
        entry=entry,
        title=entry.title,
        provider="",
        done_on=entry.done_on,
        hours=entry.hours,
        files=cpd_forms.check_files([pdf_file()]),
    )
    evidence = entry.evidence.get()
    client.force_login(other_member)
    for url in (
        reverse("cpd:edit", args=[entry.pk]),
        reverse("cpd:delete", args=[entry.pk]),
        reverse("cpd:evidence", args=[entry.pk, evidence.pk]),
        reverse("cpd:certificate", args=[entry.pk]),
    ):
        assert client.get(url).status_code == 404, url
    missing = client.get(reverse("cpd:edit", args=[999999]))
    assert missing.status_code == 404
    assert client.post(reverse("cpd:delete", args=[entry.pk])).status_code == 404
    assert client.post(reverse("cpd:edit", args=[entry.pk]), form_data()).status_code == 404
    assert CPDEntry.objects.filter(pk=entry.pk, title="Reading research").exists()
    # Their own record and PDF hold nothing of the other member's.
    assert "Reading research" not in client.get(reverse("cpd:record")).content.decode()
    assert "Reading research" not in pdf_text(client.get(reverse("cpd:record_pdf")).content)
    # Evidence id of an entry that is theirs but a file of someone else's: 404 too.
    mine = add(other_member)
    assert client.get(reverse("cpd:evidence", args=[mine.pk, evidence.pk])).status_code == 404


def test_totals_by_cpd_year_run_september_to_august(member):
    add(member, done_on=date(2025, 8, 31), hours=Decimal("2"))
    add(member, done_on=date(2025, 9, 1), hours=Decimal("3"))
    add(member, done_on=date(2026, 3, 1), hours=Decimal("1.5"))
    record = selectors.record_for(member)
    assert [(y.start, y.hours) for y in record.years] == [
        (2025, Decimal("4.5")),
        (2024, Decimal("2")),
    ]
    assert record.total_hours == Decimal("6.5")
    assert record.years[0].label == "September 2025 to August 2026"


def test_the_record_pdf_lists_the_members_entries(client):
    membership = MembershipFactory(user__first_name="Asha", user__last_name="Patel")
    user = membership.user
    add(user, title="Assessment for learning", hours=Decimal("3"), reflection="Exit tickets")
    add(user, title="Safeguarding refresher", hours=Decimal("1.5"))
    client.force_login(user)
    response = client.get(reverse("cpd:record_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Asha Patel" in text and membership.number in text
    assert "Assessment for learning" in text and "Safeguarding refresher" in text
    assert "Exit tickets" in text and "4.5" in text


def test_the_data_download_includes_the_cpd_record_and_its_evidence(client, member):
    entry = add(member, title="Coaching conversations", reflection="Ask, do not tell")
    services.cpd_entry_update(
        entry=entry,
        title=entry.title,
        provider="",
        done_on=entry.done_on,
        hours=entry.hours,
        reflection=entry.reflection,
        files=cpd_forms.check_files([pdf_file("notes.pdf")]),
    )
    client.force_login(member)
    with download_export(client, member) as archive:
        data = json.loads(archive.read("my-member-data.json"))
        [row] = data["cpd"]["entries"]
        assert row["title"] == "Coaching conversations"
        assert row["reflection"] == "Ask, do not tell"
        path = row["evidence"][0]["in_this_download"]
        assert archive.read(path) == PDF_BYTES


def test_the_dashboard_links_to_the_cpd_record(member_client, member):
    add(member, done_on=timezone.localdate(), hours=Decimal("2"))
    page = member_client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("cpd:record") in page and "2 hours recorded" in page


def test_the_record_page_query_count_does_not_grow(
    member_client, member, django_assert_max_num_queries
):
    for n in range(3):
        add(member, title=f"Entry {n}")
    with django_assert_max_num_queries(16) as small:
        member_client.get(reverse("cpd:record"))
    for n in range(30):
        add(member, title=f"More {n}", done_on=date(2020 + n % 5, 1 + n % 12, 1))
    from events.models import BookingStatus, EventKind
    from tests.events.conference_helpers import book, make_event

    for n in range(5):
        course = make_event(f"past-{n}", kind=EventKind.COURSE, days=-10 - n)
        book(course, member, BookingStatus.ATTENDED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert member_client.get(reverse("cpd:record")).status_code == 200
