"""/me/data/: a ZIP of everything held on the member, checked file by file; prepared at once
for small accounts and by the task for large ones; the link works once, for an hour, only
after re-authentication, and only for its owner; the ZIP is kept encrypted and deleted."""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework import files as case_files
from casework import services as case_services
from casework.models import AccessAction
from portal.accounts import exports, services
from portal.accounts.models import DataExport, DataExportStatus
from portal.accounts.roles import Role
from tests.exports import download_export
from tests.factories import PASSWORD, MembershipFactory, region, staff_user
from tests.test_admin_lookups import page_body

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = b"My own notes about the meeting: SECRET-FILE-CONTENT\n"
OFFICER_TEXT = b"Draft letter for you to check.\n"
NOTE_TEXT = b"Officers only: INTERNAL-ONLY\n"
ADDRESS = {
    "address_line_1": "7 SECRET-ADDRESS Lane",
    "town": "Leeds",
    "postcode": "LS1 1UR",
    "country": "GB",
    "mobile": "07400 123456",
}


@pytest.fixture(autouse=True)
def _private_files(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    yield
    shutil.rmtree(tmp_path / "private", ignore_errors=True)


def upload(name, data):
    return case_files.check_files([SimpleUploadedFile(name, data)])


@pytest.fixture
def account(db):
    """A member with a case: their own files, an officer's reply with a file, an internal
    note with a file (never theirs), officers' looks at the case and the membership."""
    membership = MembershipFactory(region=region("london"), joined_on=date(2020, 1, 1))
    member = membership.user
    officer, _ = staff_user(Role.CASEWORKER, first_name="Olu", last_name="Officer")
    officer.regions.add(region("london"))
    details = case_services.CaseDetails(
        category="discipline",
        employer=membership.employer,
        what_happened="What happened: SECRET-NARRATIVE",
        desired_outcome="Representation",
        problem_started_on=date(2024, 5, 1),
        files=upload("notes.txt", TEXT) + upload("letter.pdf", PDF),
    )
    case = case_services.case_submit(member=member, details=details)
    case_services.case_assign(case=case, officer=officer, by=officer)
    case_services.case_officer_message(
        case=case, by=officer, body="Please check this.", files=upload("draft.txt", OFFICER_TEXT)
    )
    case_services.case_internal_note(
        case=case, by=officer, body="Note INTERNAL-ONLY", files=upload("note.txt", NOTE_TEXT)
    )
    case_services.case_log_access(case=case, user=officer, action=AccessAction.VIEW)
    services.record_access_log(user=member, viewer=officer, part="membership")
    services.contact_details_save(actor=member, user=member, data=ADDRESS)
    services.consent_set(user=member, granted={("newsletter", "email")}, kinds=["newsletter"])
    case.refresh_from_db()
    return {"member": member, "membership": membership, "officer": officer, "case": case}


def test_the_zip_holds_the_json_and_every_file_the_member_sent_or_received(client, account):
    member, case = account["member"], account["case"]
    client.force_login(member)
    with download_export(client, member) as archive:
        names = sorted(archive.namelist())
        folder = f"files/cases/{case.reference}/"
        case_names = sorted(n for n in names if n.startswith(folder))
        assert len(case_names) == 3, names
        contents = {n.rsplit("-", 1)[-1]: archive.read(n) for n in case_names}
        assert contents == {"notes.txt": TEXT, "letter.pdf": PDF, "draft.txt": OFFICER_TEXT}
        assert set(names) == {"my-member-data.json", "README.txt", *case_names}
        data = json.loads(archive.read("my-member-data.json"))
        readme = archive.read("README.txt").decode()
    assert "files/" in readme
    assert NOTE_TEXT not in b"".join(contents.values())
    # The JSON as before, and the new parts.
    assert data["account"]["email"] == member.email
    assert data["membership"]["number"] == account["membership"].number
    (exported_case,) = data["cases"]
    assert exported_case["what_happened"] == "What happened: SECRET-NARRATIVE"
    listed = {f["in_this_download"] for f in exported_case["files"]}
    assert listed == set(case_names)
    assert {f["path"] for f in data["files_in_this_download"]} == set(case_names)
    assert "INTERNAL-ONLY" not in json.dumps(data)
    views = [a for a in data["case_access"] if a["by"] == "Olu Officer"]
    assert views and views[0]["case"] == case.reference and views[0]["what"] == "Viewed"
    (looked,) = data["membership_record_access"]
    assert looked == {"at": looked["at"], "what": "membership", "by": "Olu Officer"}
    assert data["contact_details"]["address_line_1"] == "7 SECRET-ADDRESS Lane"
    assert data["contact_details"]["mobile"] == "+447400123456"
    history = {h["field"] for h in data["contact_details_history"]}
    assert history == {"address line 1", "town or city", "postcode", "country", "mobile number"}
    assert all(h["by"] == "you" for h in data["contact_details_history"])
    consent = data["communication_preferences"]["history"]
    assert [(c["kind"], c["granted"]) for c in consent] == [("newsletter", True)]


def test_the_link_works_once(client, account):
    member = account["member"]
    client.force_login(member)
    download_export(client, member)
    export = DataExport.objects.get(user=member)
    assert export.status == DataExportStatus.DOWNLOADED and export.stored_as == ""
    again = client.get(reverse("accounts:data_export_download", args=[export.key]))
    assert again.status_code == 410
    assert "used or has expired" in again.content.decode()
    assert not list((exports._export_dir()).iterdir()), "the file is deleted once downloaded"


def test_an_expired_link_is_refused_and_its_file_deleted(client, account):
    member = account["member"]
    client.force_login(member)
    client.post(reverse("accounts:data_export"))
    export = DataExport.objects.get(user=member)
    stored = exports._export_dir() / export.stored_as
    assert stored.is_file()
    raw = stored.read_bytes()
    assert b"SECRET-ADDRESS" not in raw and b"SECRET-FILE-CONTENT" not in raw
    assert not raw.startswith(b"PK"), "kept encrypted, not as a readable ZIP"
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("accounts:data_export_download", args=[export.key]))
    assert response.status_code == 410
    export.refresh_from_db()
    assert export.status == DataExportStatus.EXPIRED
    assert not stored.exists()


def test_the_sweep_deletes_expired_files(client, account):
    member = account["member"]
    client.force_login(member)
    client.post(reverse("accounts:data_export"))
    export = DataExport.objects.get(user=member)
    stored = exports._export_dir() / export.stored_as
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert services.data_exports_sweep(now=later)["expired"] == 1
    assert not stored.exists()
    export.refresh_from_db()
    assert export.status == DataExportStatus.EXPIRED


def test_another_members_link_is_a_404_that_says_nothing(client, account):
    member = account["member"]
    client.force_login(member)
    client.post(reverse("accounts:data_export"))
    export = DataExport.objects.get(user=member)
    other = MembershipFactory().user
    client.force_login(other)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("accounts:dashboard"))  # shows the "re-authenticated" message
    theirs = client.get(reverse("accounts:data_export_download", args=[export.key]))
    missing = client.get(reverse("accounts:data_export_download", args=[uuid.uuid4()]))
    assert theirs.status_code == missing.status_code == 404
    assert page_body(theirs) == page_body(missing)
    assert member.email.encode() not in theirs.content
    export.refresh_from_db()
    assert export.status == DataExportStatus.READY, "the owner's link still works"


def test_the_download_asks_for_the_password_first(client, account):
    member = account["member"]
    client.force_login(member)
    client.post(reverse("accounts:data_export"))
    export = DataExport.objects.get(user=member)
    url = reverse("accounts:data_export_download", args=[export.key])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    export.refresh_from_db()
    assert export.status == DataExportStatus.READY, "asking for the password uses nothing up"
    followed = client.post(response["Location"], {"password": PASSWORD, "next": url}, follow=False)
    assert followed.status_code == 302 and followed["Location"] == url
    assert client.get(url).status_code == 200


def test_the_page_shows_progress_then_the_link(client, account, settings):
    """A large account is prepared by the task: 'being prepared', then the link."""
    settings.DATA_EXPORT_INLINE_MAX_FILES = 1
    member = account["member"]
    client.force_login(member)
    page = client.get(reverse("accounts:data_export")).content.decode()
    assert "Prepare my download" in page
    client.post(reverse("accounts:data_export"))  # on commit, the task is queued
    export = DataExport.objects.get(user=member)
    assert export.status == DataExportStatus.PREPARING
    page = client.get(reverse("accounts:data_export")).content.decode()
    assert "being prepared" in page and "Check again" in page
    assert str(export.key) not in page
    from portal.accounts import tasks

    assert tasks.data_export_build.delay(export.pk).get() is True
    page = client.get(reverse("accounts:data_export")).content.decode()
    assert "Your download is ready" in page and str(export.key) in page
    assert "3 files" in page
    assert tasks.data_export_build.delay(export.pk).get() is False, "idempotent"


def test_a_large_request_queues_the_task_after_commit(
    client, account, settings, django_capture_on_commit_callbacks
):
    settings.DATA_EXPORT_INLINE_MAX_BYTES = 10
    member = account["member"]
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("accounts:data_export"))
    assert len(callbacks) == 1
    export = DataExport.objects.get(user=member)
    assert export.status == DataExportStatus.READY  # eager in tests: the task ran
    with zipfile.ZipFile(io.BytesIO(exports.export_storage_read(export.stored_as))) as archive:
        assert len([n for n in archive.namelist() if n.startswith("files/")]) == 3


def test_asking_again_replaces_the_ready_link(client, account):
    member = account["member"]
    client.force_login(member)
    client.post(reverse("accounts:data_export"))
    first = DataExport.objects.get(user=member)
    client.post(reverse("accounts:data_export"))
    first.refresh_from_db()
    assert first.status == DataExportStatus.EXPIRED and first.stored_as == ""
    assert DataExport.objects.filter(user=member, status=DataExportStatus.READY).count() == 1


def test_another_app_adds_a_section_and_files():
    member = MembershipFactory().user
    section = exports.register_export_section("test_rates", lambda user: [{"rate": "full"}])
    source = exports.register_export_files(
        "test_files", lambda user: [exports.ExportFile("files/test/a.txt", 2, lambda: b"hi")]
    )
    try:
        built = exports.build_zip(member)
        with zipfile.ZipFile(io.BytesIO(built.content)) as archive:
            data = json.loads(archive.read("my-member-data.json"))
            assert archive.read("files/test/a.txt") == b"hi"
        assert data["test_rates"] == [{"rate": "full"}]
        assert built.file_count == 1
        with pytest.raises(ValueError):
            exports.register_export_section("test_rates", lambda user: None)
    finally:
        exports._exporters.pop("test_rates", None)
        exports._file_sources.pop("test_files", None)
    assert section and source


def test_asking_again_and_again_is_limited(client, account):
    member = account["member"]
    client.force_login(member)
    for _ in range(5):
        client.post(reverse("accounts:data_export"))
    assert DataExport.objects.filter(user=member).count() == 5
    response = client.post(reverse("accounts:data_export"), follow=True)
    assert "Wait ten minutes" in response.content.decode()
    assert DataExport.objects.filter(user=member).count() == 5
