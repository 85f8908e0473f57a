"""Special category data is encrypted at rest; keys rotate."""

import hashlib
import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from casework import services
from casework.files import CheckedFile
from portal import crypto
from portal.accounts.models import EqualityMonitoring
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SECRET = "SECRET-NARRATIVE about a grievance"


def raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def case(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    member = MembershipFactory().user
    data = b"%PDF-1.4 SECRET-FILE-CONTENT"
    return services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="grievance",
            employer=member.membership.employer,
            what_happened=SECRET,
            desired_outcome="SECRET-OUTCOME",
            other_party_name="SECRET-PERSON",
            files=[
                CheckedFile(
                    "secret-name.pdf",
                    "application/pdf",
                    len(data),
                    hashlib.sha256(data).hexdigest(),
                    data,
                )
            ],
        ),
    )


def test_case_text_and_files_are_unreadable_without_the_key(case):
    rows = raw("SELECT what_happened, desired_outcome, other_party_name FROM casework_case")
    dump = repr(rows)
    assert "SECRET" not in dump
    assert all(value.startswith(crypto.PREFIX) for value in rows[0])
    names = repr(raw("SELECT name, file FROM casework_caseattachment"))
    assert "secret-name" not in names
    attachment = case.attachments.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert b"SECRET-FILE-CONTENT" not in stored
    case.refresh_from_db()
    assert case.what_happened == SECRET, "the portal reads it back"


def test_equality_answers_are_encrypted(db):
    member = MembershipFactory().user
    EqualityMonitoring.objects.create(
        user=member, ethnicity="asian", sexual_orientation="bisexual", networks=["lgbt"]
    )
    (row,) = raw("SELECT ethnicity, sexual_orientation, networks FROM accounts_equalitymonitoring")
    assert all(str(value).startswith("fernet:") for value in row), "every answer is ciphertext"
    # The words themselves appear nowhere else in the row (ciphertext is left out: random
    # base64 can spell any short word by chance).
    (whole,) = raw("SELECT * FROM accounts_equalitymonitoring")
    plain = repr([v for v in whole if not str(v).startswith("fernet:")])
    for word in ("asian", "bisexual", "lgbt"):
        assert word not in plain
    record = EqualityMonitoring.objects.get(user=member)
    assert (record.ethnicity, record.networks) == ("asian", ["lgbt"])


def test_a_new_key_encrypts_old_keys_still_decrypt_and_rotation_re_encrypts(case, settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    case.refresh_from_db()
    assert case.what_happened == SECRET, "old key still decrypts"
    (stored,) = raw("SELECT what_happened FROM casework_case")[0]
    assert not crypto.is_current(stored)
    call_command("rotate_encryption", stdout=io.StringIO())
    (stored,) = raw("SELECT what_happened FROM casework_case")[0]
    assert crypto.is_current(stored)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    case.refresh_from_db()
    assert case.what_happened == SECRET
    attachment = case.attachments.get()
    with attachment.file.open("rb") as handle:
        assert crypto.decrypt_bytes(handle.read()).endswith(b"SECRET-FILE-CONTENT")


def test_the_wrong_key_refuses_to_read(case, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        case.refresh_from_db()
