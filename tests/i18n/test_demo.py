"""The Welsh-speaking demo member: in Wales, Welsh chosen, with a case, a consultation
answered in Welsh, and the core principles to read in Welsh."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from casework.models import Case
from consultations.models import Response
from portal.accounts.models import User
from standards.models import Edition


@pytest.mark.django_db
def test_the_welsh_speaking_demo_member(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "cymraeg@demo.example" in out.getvalue()
    user = User.objects.select_related("membership__region").get(email="cymraeg@demo.example")
    assert user.language == "cy"
    assert user.membership.nation == "wales" and user.membership.region.slug == "wales"
    assert Case.objects.filter(member=user).exists()
    response = Response.objects.get(user=user)
    assert response.language == "cy" and response.status == "submitted"
    assert any("Byddai" in a.text for a in response.answers.all())
    principles = Edition.objects.get(
        document__slug="core-principles-educational-development-improvement", status="published"
    )
    assert principles.title_cy.startswith("Egwyddorion craidd")
    assert all(s.heading_cy and s.body_cy for s in principles.standards.all())
    # Signed in, her pages are Welsh.
    client.force_login(user)
    assert client.get("/me/")["Location"] == "/cy/me/"
    page = client.get("/cy/standards/core-principles-educational-development-improvement/")
    text = page.content.decode()
    assert '<html lang="cy">' in text and "Egwyddorion craidd" in text
    assert "Gwella canlyniadau i&#x27;r gymuned gyfan" in text or "Gwella canlyniadau" in text
