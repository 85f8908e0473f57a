"""Every write to a CPD record. The caller has already found the entry through
`cpd.access` (so it is the member's own) and checked the files with
`casework.files.check_files` (type from the content, size, virus scan)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.files import CheckedFile, max_files_per_case
from portal import crypto

from .models import CPDEntry, CPDEvidence

MIN_HOURS = Decimal("0.25")
MAX_HOURS = Decimal("200")
EARLIEST = date(1950, 1, 1)

HOURS_TOO_FEW = _("Enter at least a quarter of an hour (0.25).")
HOURS_TOO_MANY = _(
    "Enter no more than 200 hours for one entry. Split a long programme into its parts."
)
DATE_IN_FUTURE = _("The date cannot be in the future: record CPD once you have done it.")
DATE_TOO_EARLY = _("Enter a date after 1 January 1950.")
TOO_MANY_FILES = _("One entry can hold up to %(limit)s evidence files.")


def hours_problem(hours: Decimal | None):
    if hours is None:
        return None
    if hours < MIN_HOURS:
        return HOURS_TOO_FEW
    if hours > MAX_HOURS:
        return HOURS_TOO_MANY
    return None


def date_problem(done_on: date | None, *, today: date | None = None):
    if done_on is None:
        return None
    if done_on > (today or timezone.localdate()):
        return DATE_IN_FUTURE
    if done_on < EARLIEST:
        return DATE_TOO_EARLY
    return None


def _check(*, hours: Decimal, done_on: date) -> None:
    errors = {}
    if problem := hours_problem(hours):
        errors["hours"] = problem
    if problem := date_problem(done_on):
        errors["done_on"] = problem
    if errors:
        raise ValidationError(errors)


def _store(entry: CPDEntry, files: list[CheckedFile]) -> list[CPDEvidence]:
    stored = []
    for checked in files:
        evidence = CPDEvidence(
            entry=entry,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        # Stored encrypted, under a random name rather than the member's file name.
        evidence.file.save(
            secrets.token_hex(16), ContentFile(crypto.encrypt_bytes(checked.data)), save=False
        )
        evidence.save()
        stored.append(evidence)
    return stored


def _remove_files_on_commit(names: list[str]) -> None:
    from .models import evidence_storage

    def remove():
        for name in names:
            evidence_storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def cpd_entry_create(
    *,
    user,
    title: str,
    provider: str,
    done_on: date,
    hours: Decimal,
    reflection: str = "",
    files: list[CheckedFile] = (),
) -> CPDEntry:
    _check(hours=hours, done_on=done_on)
    files = list(files)
    if len(files) > max_files_per_case():
        raise ValidationError({"evidence": TOO_MANY_FILES % {"limit": max_files_per_case()}})
    entry = CPDEntry.objects.create(
        user=user,
        title=title,
        provider=provider,
        done_on=done_on,
        hours=hours,
        reflection=reflection,
    )
    _store(entry, files)
    return entry


@transaction.atomic
def cpd_entry_update(
    *,
    entry: CPDEntry,
    title: str,
    provider: str,
    done_on: date,
    hours: Decimal,
    reflection: str = "",
    files: list[CheckedFile] = (),
    remove_evidence: list[int] = (),
) -> CPDEntry:
    _check(hours=hours, done_on=done_on)
    entry = CPDEntry.objects.select_for_update().get(pk=entry.pk)
    files = list(files)
    removing = list(entry.evidence.filter(pk__in=list(remove_evidence)))
    if entry.evidence.count() - len(removing) + len(files) > max_files_per_case():
        raise ValidationError({"evidence": TOO_MANY_FILES % {"limit": max_files_per_case()}})
    entry.title, entry.provider, entry.done_on = title, provider, done_on
    entry.hours, entry.reflection = hours, reflection
    entry.updated_at = timezone.now()
    entry.save(update_fields=["title", "provider", "done_on", "hours", "reflection", "updated_at"])
    if removing:
        _remove_files_on_commit([e.file.name for e in removing])
        CPDEvidence.objects.filter(pk__in=[e.pk for e in removing]).delete()
    _store(entry, files)
    return entry


@transaction.atomic
def cpd_entry_delete(*, entry: CPDEntry) -> None:
    _remove_files_on_commit([e.file.name for e in entry.evidence.all()])
    entry.delete()
