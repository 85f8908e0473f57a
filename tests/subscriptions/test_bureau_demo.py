"""The bureau's demo data: a file of each kind to download, a report, arrears and an
exception for the membership officer; running it again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from subscriptions import demo_bureau
from subscriptions.models import (
    BacsException,
    BacsFile,
    BacsFileKind,
    BacsReport,
    Collection,
    CollectionStatus,
)

pytestmark = pytest.mark.django_db


def test_the_demo_shows_files_a_report_arrears_and_an_exception():
    call_command("seed_demo", stdout=io.StringIO())
    demo_bureau.seed()
    counts = (
        BacsFile.objects.count(),
        BacsReport.objects.count(),
        BacsException.objects.count(),
        Collection.objects.count(),
    )
    demo_bureau.seed()
    assert counts == (
        BacsFile.objects.count(),
        BacsReport.objects.count(),
        BacsException.objects.count(),
        Collection.objects.count(),
    )
    kinds = set(BacsFile.objects.values_list("kind", flat=True))
    assert kinds == {BacsFileKind.AUDDIS, BacsFileKind.COLLECTION}
    owen = Collection.objects.filter(membership__user__email=demo_bureau.EMAIL)
    statuses = sorted(owen.values_list("status", flat=True))
    assert statuses.count(CollectionStatus.PAID) == 2
    assert (
        statuses.count(CollectionStatus.UNPAID) + statuses.count(CollectionStatus.REPRESENTED) == 1
    )
    (exception,) = BacsException.objects.all()
    assert exception.reference == "EDUOLD000042"
