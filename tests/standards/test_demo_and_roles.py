"""The demo data and the publisher role's permissions."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from portal.accounts.roles import Role
from standards import demo
from standards.models import Document, Edition, EditionPDF, EditionStatus

pytestmark = pytest.mark.django_db


def test_publishers_hold_the_standards_permissions_but_not_self_approval():
    codenames = set(
        Group.objects.get(name=Role.PUBLISHER)
        .permissions.filter(content_type__app_label="standards")
        .values_list("codename", flat=True)
    )
    assert {"change_edition", "approve_edition", "preview_edition", "add_document"} <= codenames
    assert "approve_own_edition" not in codenames
    for role in set(Role.ALL) - {Role.PUBLISHER}:
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(codename="approve_edition").exists(), role


def test_the_demo_documents_are_published_with_history_and_pdfs(
    client, django_capture_on_commit_callbacks
):
    from portal.accounts import demo as accounts_demo

    accounts_demo.seed()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()  # idempotent
    assert Document.objects.count() == 2
    assert Edition.objects.count() == 3
    standards = Document.objects.get(slug=demo.STANDARDS_SLUG)
    assert standards.current_edition.number == 2
    assert standards.current_edition.standards.count() == 6
    assert standards.editions.get(number=1).status == EditionStatus.SUPERSEDED
    assert EditionPDF.objects.count() == 3
    assert EditionPDF.objects.get(edition__number=1, edition__document=standards).superseded

    html = client.get("/standards/").content.decode()
    assert f'href="/standards/{demo.STANDARDS_SLUG}/"' in html
    assert f'href="/standards/{demo.PRINCIPLES_SLUG}/"' in html
    page = client.get(f"/standards/{demo.STANDARDS_SLUG}/editions/1/").content.decode()
    assert "This edition has been superseded" in page
    pdf = client.get(f"/standards/{demo.PRINCIPLES_SLUG}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_seed_demo_command_loads_standards():
    call_command("seed_demo", stdout=io.StringIO())
    assert Document.objects.filter(slug=demo.STANDARDS_SLUG).exists()
