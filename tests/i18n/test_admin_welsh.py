"""Staff write the Welsh beside the English in the admin's own forms."""

from __future__ import annotations

import pytest

from tests.consultations.conftest import make_consultation
from tests.factories import staff_user
from tests.standards.conftest import draft_document


@pytest.fixture
def superuser_client(client, db):
    user, _ = staff_user(is_superuser=True)
    client.force_login(user)
    return client, user


def test_the_admin_forms_have_the_welsh_fields(superuser_client):
    client, user = superuser_client
    edition = draft_document(user)
    consultation = make_consultation(phase="draft")
    pages = {
        f"/admin/standards/edition/{edition.pk}/change/": [
            "title_cy",
            "summary_cy",
            "standards-0-heading_cy",
            "standards-0-body_cy",
        ],
        f"/admin/consultations/consultation/{consultation.pk}/change/": [
            "title_cy",
            "summary_cy",
            "questions-0-text_cy",
            "questions-0-options_cy",
        ],
        "/admin/communications/communication/add/": ["subject_cy", "body_cy"],
        "/admin/events/event/add/": ["title_cy", "summary_cy", "description_cy"],
    }
    for url, fields in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for name in fields:
            assert f'name="{name}"' in page, f"{url}: {name}"
        assert "Cymraeg (Welsh)" in page, url
