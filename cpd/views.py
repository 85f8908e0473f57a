"""The member's CPD record (`/me/cpd/`): their entries and attended courses, adding,
changing and deleting their own entries, evidence downloads, the record PDF and the
certificate of each attended course. Thin: each view finds what it needs through
`cpd.access` (someone else's is a 404) and asks one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.files import attachment_response

from . import access, attendance, pdf, selectors, services
from .forms import CPDEntryForm


def _fields(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "provider": data.get("provider", ""),
        "done_on": data["done_on"],
        "hours": data["hours"],
        "reflection": data.get("reflection", ""),
        "files": data.get("evidence") or [],
    }


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_GET
def record(request):
    return render(request, "cpd/record.html", {"record": selectors.record_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "POST":
        form = CPDEntryForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.cpd_entry_create(user=request.user, **_fields(form))
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Your CPD entry is saved."))
                return redirect("cpd:record")
        return render(request, "cpd/entry_form.html", {"form": form}, status=400)
    return render(request, "cpd/entry_form.html", {"form": CPDEntryForm()})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    entry = access.get_entry_for(request.user, pk)
    evidence = list(entry.evidence.all())
    if request.method == "POST":
        form = CPDEntryForm(request.POST, request.FILES, already_on_entry=len(evidence))
        if form.is_valid():
            remove = [int(v) for v in request.POST.getlist("remove_evidence") if v.isdigit()]
            try:
                services.cpd_entry_update(entry=entry, remove_evidence=remove, **_fields(form))
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Your CPD entry is updated."))
                return redirect("cpd:record")
        context = {"form": form, "entry": entry, "evidence": evidence}
        return render(request, "cpd/entry_form.html", context, status=400)
    form = CPDEntryForm(
        initial={
            "title": entry.title,
            "provider": entry.provider,
            "done_on": entry.done_on,
            "hours": entry.hours.normalize() if entry.hours % 1 else int(entry.hours),
            "reflection": entry.reflection,
        }
    )
    return render(
        request, "cpd/entry_form.html", {"form": form, "entry": entry, "evidence": evidence}
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    entry = access.get_entry_for(request.user, pk)
    if request.method == "POST":
        services.cpd_entry_delete(entry=entry)
        messages.success(request, _("The entry “%(title)s” is deleted.") % {"title": entry.title})
        return redirect("cpd:record")
    return render(request, "cpd/entry_delete.html", {"entry": entry})


@login_required
@require_GET
def evidence_download(request, pk, evidence_id):
    return attachment_response(access.get_evidence_for(request.user, pk, evidence_id))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def record_pdf(request):
    return _pdf_response(pdf.record_pdf_bytes(request.user), "cpd-record.pdf")


@login_required
@require_GET
def certificate_pdf(request, booking_id):
    course = attendance.get_attended_for(request.user, booking_id)
    return _pdf_response(
        pdf.certificate_pdf_bytes(request.user, course), f"certificate-{booking_id}.pdf"
    )
