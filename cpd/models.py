"""A member's record of continuing professional development: what they did (their own
entries, with evidence) and, from events, the courses they attended (`cpd.selectors`).

Nothing here is in the admin: a CPD record is the member's own (see `cpd/access.py`)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from casework.models import PrivateStorage
from portal.fields import EncryptedTextField


@deconstructible(path="cpd.models.EvidenceStorage")
class EvidenceStorage(PrivateStorage):
    """Evidence files, beside the case files under PRIVATE_MEDIA_ROOT and never served
    directly; read only through `cpd.views.evidence_download`, which checks the owner."""

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "cpd")

    @property
    def location(self):
        return os.path.abspath(self.base_location)


evidence_storage = EvidenceStorage()


class CPDEntry(models.Model):
    """One piece of professional development a member recorded themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpd_entries"
    )
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    done_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    # The member's own thoughts on what they learned: encrypted like case text.
    reflection = EncryptedTextField(_("reflection"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = "CPD entry"
        verbose_name_plural = "CPD entries"
        indexes = [models.Index(fields=["user", "-done_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=200),
                name="cpd_entry_hours_in_range",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cpd:edit", args=[self.pk])


def evidence_path(instance, filename):
    return f"{instance.entry.user_id}/{filename}"


class CPDEvidence(models.Model):
    """A file that shows a CPD entry happened (a certificate, notes, a programme): checked
    like a case file (`casework.files.check_files`) and stored encrypted."""

    entry = models.ForeignKey(CPDEntry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_path, max_length=300)
    name = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "CPD evidence file"

    def __str__(self):
        return self.name
