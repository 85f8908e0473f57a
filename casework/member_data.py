"""Casework's part of the member's dashboard and of their data export."""

from __future__ import annotations

from portal import crypto
from portal.accounts.dashboard import register_panel
from portal.accounts.exports import ExportFile, register, register_export_files, safe_zip_name
from portal.accounts.selectors import membership_for

from . import access
from .models import OPEN_STATUSES, CaseAccess, CaseAttachment, Status


@register_panel("cases", order=10, template="casework/panel.html")
def cases_panel(user):
    if membership_for(user) is None:
        return None
    # Only what the panel shows: the encrypted account of each case is not decrypted here.
    cases = list(
        access.member_cases(user)
        .only("pk", "reference", "category", "status", "created_at")
        .order_by("-created_at")[:5]
    )
    return {
        "cases": cases,
        "open": sum(1 for c in cases if c.status in OPEN_STATUSES),
        "waiting": [c for c in cases if c.status == Status.WAITING_MEMBER],
    }


def _iso(value):
    return value.isoformat() if value else None


@register("cases")
def export_cases(user):
    rows = []
    cases = access.member_cases(user).prefetch_related("attachments", "complaints")
    for case in cases:
        if not access.is_lead_member(user, case):
            rows.append(_collective_row(user, case))
            continue
        rows.append(
            {
                "reference": case.reference,
                "status": case.member_status,
                "category": case.get_category_display(),
                "employer": case.employer.label if case.employer_id else None,
                "what_happened": case.what_happened,
                "desired_outcome": case.desired_outcome,
                "problem_started_on": _iso(case.problem_started_on),
                "hearing_date": _iso(case.hearing_date),
                "colleagues_affected": case.colleagues_affected,
                "about_another_person": case.other_party_name or None,
                "submitted_at": _iso(case.submitted_at),
                "closed_at": _iso(case.closed_at),
                "outcome": case.get_outcome_display() if case.outcome else None,
                "timeline": [
                    {
                        "at": _iso(e.created_at),
                        "what": e.get_kind_display(),
                        "status": e.get_new_status_display() if e.new_status else None,
                        "text": e.body,
                    }
                    for e in access.member_visible_events(case, user)
                ],
                "complaints": [
                    {
                        "sent_at": _iso(c.raised_at),
                        "text": c.body,
                        "stage": c.stage(),
                        "acknowledge_by": _iso(c.acknowledge_by),
                        "acknowledged_at": _iso(c.acknowledged_at),
                        "respond_by": _iso(c.respond_by),
                        "response": c.response or None,
                        "responded_at": _iso(c.responded_at),
                        "outcome": c.get_outcome_display() if c.outcome else None,
                        "closed_at": _iso(c.closed_at),
                    }
                    for c in case.complaints.all()
                ],
                "files": [
                    {
                        "name": a.name,
                        "size": a.size,
                        "added_at": _iso(a.created_at),
                        "in_this_download": attachment_zip_path(case, a),
                    }
                    for a in access.member_visible_attachments(case, user)
                ],
            }
        )
    return rows


def _collective_row(user, case) -> dict:
    """A collective case the member joined: what its page shows them, never the lead
    member's own account nor anyone else's messages."""
    return {
        "reference": case.reference,
        "status": case.member_status,
        "category": case.get_category_display(),
        "collective_summary": case.collective_summary,
        "timeline": [
            {
                "at": _iso(e.created_at),
                "what": e.get_kind_display(),
                "status": e.get_new_status_display() if e.new_status else None,
                "text": e.body,
            }
            for e in access.member_visible_events(case, user)
        ],
        "files": [
            {"name": a.name, "size": a.size, "added_at": _iso(a.created_at)}
            for a in access.member_visible_attachments(case, user)
        ],
    }


def member_attachments(user):
    """The files a member sent or received on their own cases: what the case page offers
    them to download (never a file kept to an internal note; on a collective case they
    joined, only the files they may see there)."""
    ids = []
    for case in access.member_cases(user).filter(collective=True):
        ids += list(access.member_visible_attachments(case, user).values_list("pk", flat=True))
    own = CaseAttachment.objects.filter(
        case__in=access.member_cases(user).filter(member=user, collective=False),
        shared_with_member=True,
    )
    return (
        (own | CaseAttachment.objects.filter(pk__in=ids))
        .select_related("case")
        .order_by("case_id", "created_at", "pk")
    )


def attachment_zip_path(case, attachment) -> str:
    folder = case.reference or f"draft-{case.pk}"
    return f"files/cases/{folder}/{attachment.pk}-{safe_zip_name(attachment.name)}"


def _read_attachment(attachment):
    def read():
        try:
            with attachment.file.open("rb") as handle:
                return crypto.decrypt_bytes(handle.read())
        except FileNotFoundError:
            return None

    return read


def export_case_files(user):
    for attachment in member_attachments(user):
        yield ExportFile(
            path=attachment_zip_path(attachment.case, attachment),
            size=attachment.size,
            read=_read_attachment(attachment),
        )


register_export_files("case_files", export_case_files)


def _viewer(record, user) -> str:
    if record.user_id is None:
        return "someone whose account no longer exists"
    if record.user_id == user.pk:
        return "you"
    if not record.user.is_staff:  # another member on a collective case: never named
        return "another member on the case"
    return record.user.get_full_name() or "a member of staff"


@register("case_access")
def export_case_access(user):
    """Who viewed, downloaded from or changed each of the member's cases, and when."""
    records = (
        CaseAccess.objects.filter(case__in=access.member_cases(user).filter(member=user))
        .select_related("case", "user")
        .order_by("at", "pk")
    )
    return [
        {
            "case": r.case.reference or f"draft {r.case_id}",
            "at": _iso(r.at),
            "what": r.get_action_display(),
            "by": _viewer(r, user),
        }
        for r in records
    ]
