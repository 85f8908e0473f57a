"""Who sees which CPD record: its member, and nobody else. Every page, download, PDF and the
data export go through here; anything not the asker's own is the same 404 as a missing one.

Staff get no CPD in the admin: a member's reflections on their own development are theirs,
and nothing the union's officers need to do their work depends on reading them."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import CPDEntry, CPDEvidence

NOT_FOUND = _("Not found.")


def entries_of(user):
    """The member's own CPD entries (none for anyone not logged in)."""
    if not getattr(user, "is_authenticated", False):
        return CPDEntry.objects.none()
    return CPDEntry.objects.filter(user=user)


def get_entry_for(user, pk) -> CPDEntry:
    entry = entries_of(user).filter(pk=pk).first()
    if entry is None:
        raise Http404(NOT_FOUND)
    return entry


def evidence_of(user):
    return CPDEvidence.objects.filter(entry__in=entries_of(user))


def get_evidence_for(user, entry_pk, evidence_pk) -> CPDEvidence:
    evidence = (
        evidence_of(user).filter(pk=evidence_pk, entry_id=entry_pk).select_related("entry").first()
    )
    if evidence is None:
        raise Http404(NOT_FOUND)
    return evidence
