"""The CPD record's part of the member's dashboard and of their data download."""

from __future__ import annotations

from django.utils import timezone

from portal import crypto
from portal.accounts.dashboard import register_panel
from portal.accounts.exports import ExportFile, register_export_files, register_export_section
from portal.accounts.selectors import membership_for

from . import access, selectors


@register_panel("cpd", order=30, template="cpd/panel.html")
def cpd_panel(user):
    if membership_for(user) is None:
        return None
    record = selectors.record_for(user)
    this_year = selectors.cpd_year_start(timezone.localdate())
    year = next((y for y in record.years if y.start == this_year), None)
    return {"year": year}


def _iso(value):
    return value.isoformat() if value else None


def evidence_zip_path(evidence) -> str:
    from portal.accounts.exports import safe_zip_name

    return f"files/cpd/{evidence.entry_id}/{evidence.pk}-{safe_zip_name(evidence.name)}"


def export_cpd(user):
    record = selectors.record_for(user)
    rows = []
    for item in record.items:
        row = {
            "kind": "added by you" if item.kind == "own" else "course attended",
            "title": item.title,
            "provider": item.provider,
            "date": _iso(item.done_on),
            "hours": str(item.hours),
        }
        if item.kind == "own":
            row["reflection"] = item.text
            row["evidence"] = [
                {"name": e.name, "size": e.size, "in_this_download": evidence_zip_path(e)}
                for e in item.entry.evidence.all()
            ]
        else:
            row["learning_outcomes"] = item.text
        rows.append(row)
    return {
        "entries": rows,
        "hours_by_year": [
            {"year": y.label, "hours": str(y.hours), "attended": str(y.attended_hours)}
            for y in record.years
        ],
    }


register_export_section("cpd", export_cpd)


def _read(evidence):
    def read():
        try:
            with evidence.file.open("rb") as handle:
                return crypto.decrypt_bytes(handle.read())
        except FileNotFoundError:
            return None

    return read


def export_cpd_files(user):
    for evidence in access.evidence_of(user).order_by("entry_id", "pk"):
        yield ExportFile(path=evidence_zip_path(evidence), size=evidence.size, read=_read(evidence))


register_export_files("cpd_files", export_cpd_files)
